package dev.mlops.features;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the features image: {@code java -jar mlops-features-runnable.jar --model M --date D}. */
public final class FeaturesMain {
    private FeaturesMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new FeaturesCommand(), PlatformFactory.DEFAULT), args));
    }
}
