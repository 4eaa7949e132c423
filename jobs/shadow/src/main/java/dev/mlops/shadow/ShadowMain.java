package dev.mlops.shadow;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the shadow image: {@code java -jar mlops-shadow-runnable.jar --model M --date D}. */
public final class ShadowMain {
    private ShadowMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new ShadowCommand(), PlatformFactory.DEFAULT), args));
    }
}
