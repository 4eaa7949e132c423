package dev.mlops.core.cli;

import dev.mlops.core.Platform;
import dev.mlops.core.config.PlatformConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of commands that need the platform: loads the config, opens the platform, calls
 * {@link #run(Platform)} and closes it. Commands return an exit code or throw a
 * {@link dev.mlops.core.JobException}; only {@code main} calls {@code System.exit}.
 */
public abstract class PlatformCommand implements Callable<Integer> {
    @Mixin
    protected GlobalOptions global = new GlobalOptions();

    @Spec
    protected CommandSpec spec;

    private PlatformFactory platformFactory = PlatformFactory.DEFAULT;

    public void platformFactory(PlatformFactory factory) {
        this.platformFactory = factory;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        PlatformConfig config = global.load();
        try (Platform platform = platformFactory.open(config)) {
            return run(platform);
        }
    }

    protected abstract int run(Platform platform);
}
