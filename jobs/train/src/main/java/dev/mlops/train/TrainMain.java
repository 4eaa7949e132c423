package dev.mlops.train;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the train image: {@code java -jar mlops-train-runnable.jar --model M --date D}. */
public final class TrainMain {
    private TrainMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new TrainCommand(), PlatformFactory.DEFAULT), args));
    }
}
