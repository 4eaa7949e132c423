package dev.mlops.core.cli;

import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.PlatformConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command takes: where the platform lives and how it is configured. */
public final class GlobalOptions {
    @Option(names = "--env", paramLabel = "ENV", description = "local (default) or aws; overrides MLOPS_ENV and the config file")
    String env;

    @Option(names = "--home", paramLabel = "DIR", description = "local state directory (default: $MLOPS_HOME or ./.mlops)")
    Path home;

    @Option(names = "--config", paramLabel = "FILE", description = "config file (default: $MLOPS_CONFIG or $MLOPS_HOME/config.yaml)")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one config key, e.g. --set spark.master=local[2]")
    Map<String, String> set = new LinkedHashMap<>();

    public PlatformConfig load() {
        Map<String, String> overrides = new LinkedHashMap<>(set);
        if (env != null) {
            overrides.put("env", env);
        }
        return ConfigLoader.load(home, config, overrides);
    }
}
