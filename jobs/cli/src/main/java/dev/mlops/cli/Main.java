package dev.mlops.cli;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** {@code ./mlops}: the all-in-one CLI. The only place that calls System.exit. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new MlopsCommand(), PlatformFactory.DEFAULT), args));
    }
}
