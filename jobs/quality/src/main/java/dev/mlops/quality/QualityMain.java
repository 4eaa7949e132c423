package dev.mlops.quality;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the quality image: {@code java -jar mlops-quality-runnable.jar --model M --date D}. */
public final class QualityMain {
    private QualityMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new QualityCommand(), PlatformFactory.DEFAULT), args));
    }
}
