package dev.mlops.core.config;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;

/** Bad configuration (exit 2): names where the value came from, the key and what was expected. */
public final class ConfigException extends JobException {
    public ConfigException(String source, String key, String expectation) {
        super(ExitCode.USAGE, source + ": key '" + key + "': " + expectation);
    }
}
