package dev.mlops.core.cli;

import dev.mlops.core.Platform;
import dev.mlops.core.config.PlatformConfig;

/** How commands get their {@link Platform}; tests supply one around shared Spark and PostgreSQL. */
@FunctionalInterface
public interface PlatformFactory {
    PlatformFactory DEFAULT = Platform::open;

    Platform open(PlatformConfig config);
}
