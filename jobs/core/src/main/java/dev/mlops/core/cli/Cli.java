package dev.mlops.core.cli;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.Versions;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Builds a picocli CommandLine with the platform's exit-code mapping and a platform factory. */
public final class Cli {
    private Cli() {
    }

    public static CommandLine commandLine(Object command, PlatformFactory factory) {
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Cli::handle);
        cl.setExitCodeExceptionMapper(t -> {
            if (t instanceof CommandLine.ParameterException) {
                return ExitCode.USAGE.code();
            }
            JobException je = JobException.find(t);
            return je != null ? je.exitCode().code() : ExitCode.FAILED.code();
        });
        inject(cl, factory);
        return cl;
    }

    private static void inject(CommandLine cl, PlatformFactory factory) {
        if (cl.getCommand() instanceof PlatformCommand pc) {
            pc.platformFactory(factory);
        }
        cl.getSubcommands().values().forEach(sub -> inject(sub, factory));
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        JobException je = JobException.find(e);
        if (je != null) {
            err.println("mlops " + cl.getCommandName() + ": " + label(je.exitCode()) + ": " + je.getMessage());
            err.flush();
            return je.exitCode().code();
        }
        LoggerFactory.getLogger(Cli.class).error("unexpected failure", e);
        err.println("mlops " + cl.getCommandName() + ": failed (retryable): " + e);
        err.flush();
        return ExitCode.FAILED.code();
    }

    /** How an exit code reads in messages. */
    public static String label(ExitCode code) {
        return switch (code) {
            case OK -> "done";
            case FAILED -> "failed (retryable)";
            case USAGE -> "bad usage or config";
            case DATA_CONTRACT -> "data contract violation";
            case NOTHING_TO_DO -> "nothing to do";
        };
    }

    /** Runs a command line and returns its exit code after flushing its output (for {@code main}, before System.exit). */
    public static int run(CommandLine cl, String[] args) {
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return code;
    }

    /** picocli version provider: the code version. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mlops " + Versions.codeVersion()};
        }
    }
}
