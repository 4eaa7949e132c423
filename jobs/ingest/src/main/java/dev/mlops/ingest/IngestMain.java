package dev.mlops.ingest;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the ingest image: {@code java -jar mlops-ingest-runnable.jar --model M --date D}. */
public final class IngestMain {
    private IngestMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new IngestCommand(), PlatformFactory.DEFAULT), args));
    }
}
