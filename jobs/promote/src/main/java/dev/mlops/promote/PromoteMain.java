package dev.mlops.promote;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the promote image: {@code java -jar mlops-promote-runnable.jar --model M --date D}. */
public final class PromoteMain {
    private PromoteMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new PromoteCommand(), PlatformFactory.DEFAULT), args));
    }
}
