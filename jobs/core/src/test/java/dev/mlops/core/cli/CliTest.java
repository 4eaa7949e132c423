package dev.mlops.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CliTest {
    @Command(name = "probe", mixinStandardHelpOptions = true, description = "test command")
    static final class Probe implements Callable<Integer> {
        @Option(names = "--fail")
        ExitCode fail;

        @Option(names = "--date")
        java.time.LocalDate date;

        @Override
        public Integer call() {
            if (fail == null) {
                return 0;
            }
            return switch (fail) {
                case USAGE -> throw JobException.usage("config.yaml: key 'lake.uri': expected s3://");
                case DATA_CONTRACT -> throw JobException.dataContract("file f.csv lacks column 'x' (expected int)");
                case NOTHING_TO_DO -> throw JobException.nothingToDo("no input");
                case FAILED -> throw new IllegalStateException("boom");
                default -> 0;
            };
        }
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Cli.commandLine(new Probe(), PlatformFactory.DEFAULT);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void exceptionsMapToTheExitCodeContract() {
        StringWriter err = new StringWriter();
        assertThat(run(err)).isEqualTo(0);
        assertThat(run(err, "--fail", "usage")).isEqualTo(2);
        assertThat(err.toString()).contains("bad usage or config: config.yaml: key 'lake.uri': expected s3://");
        assertThat(run(err, "--fail", "data_contract")).isEqualTo(3);
        assertThat(err.toString()).contains("data contract violation: file f.csv lacks column 'x' (expected int)");
        assertThat(run(err, "--fail", "nothing_to_do")).isEqualTo(100);
        assertThat(run(err, "--fail", "failed")).isEqualTo(1);
        assertThat(err.toString()).contains("failed (retryable)").contains("boom");
    }

    @Test
    void badOptionsAreUsageErrors() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "--date", "2024-13-01")).isEqualTo(2);
        assertThat(err.toString()).contains("--date").contains("2024-13-01");
        assertThat(run(err, "--nope")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--nope'");
    }

    @Test
    void exitCodesAreTheDocumentedNumbers() {
        assertThat(ExitCode.OK.code()).isEqualTo(0);
        assertThat(ExitCode.FAILED.code()).isEqualTo(1);
        assertThat(ExitCode.USAGE.code()).isEqualTo(2);
        assertThat(ExitCode.DATA_CONTRACT.code()).isEqualTo(3);
        assertThat(ExitCode.NOTHING_TO_DO.code()).isEqualTo(100);
        assertThat(ExitCode.fromCode(100)).isEqualTo(ExitCode.NOTHING_TO_DO);
    }
}
