package dev.mlops.promote;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/**
 * Entry point of the promote image: {@code java -jar mlops-promote-runnable.jar --model M --date D}; with
 * {@code audit} first, the audit ledger's command ({@code audit export|anchor|verify ...}: the daily DAG's
 * audit tasks run in this image, as the promote job's service account, which may write {@code audit/}).
 */
public final class PromoteMain {
    private PromoteMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(run(args, PlatformFactory.DEFAULT, new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true)));
    }

    /** The exit code of the promote command, or of {@code audit ...} when the first argument is {@code audit}. */
    static int run(String[] args, PlatformFactory platforms, java.io.PrintWriter out, java.io.PrintWriter err) {
        boolean audit = args.length > 0 && "audit".equals(args[0]);
        picocli.CommandLine cl = Cli.commandLine(audit ? new dev.mlops.core.audit.AuditCommand() : new PromoteCommand(), platforms);
        cl.setOut(out);
        cl.setErr(err);
        return Cli.run(cl, audit ? java.util.Arrays.copyOfRange(args, 1, args.length) : args);
    }
}
