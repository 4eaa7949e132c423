package dev.mlops.validate;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformFactory;
import dev.mlops.core.logging.Logs;

/** Entry point of the validate image: {@code java -jar mlops-validate-runnable.jar --model M --date D}. */
public final class ValidateMain {
    private ValidateMain() {
    }

    public static void main(String[] args) {
        Logs.configure();
        System.exit(Cli.run(Cli.commandLine(new ValidateCommand(), PlatformFactory.DEFAULT), args));
    }
}
