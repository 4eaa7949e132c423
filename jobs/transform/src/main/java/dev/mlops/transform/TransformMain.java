package dev.mlops.transform;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the transform image: {@code java -jar mlops-transform-runnable.jar --model M --date D}. */
public final class TransformMain {
    private TransformMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new TransformCommand(), PlatformFactory.DEFAULT), args));
    }
}
