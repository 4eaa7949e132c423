package dev.mlops.core.spec;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;

/** A model spec that cannot be loaded: exit 2, with file, key path and expectation in the message. */
public final class SpecException extends JobException {
    private final String file;
    private final String keyPath;

    public SpecException(String file, String keyPath, String expectation) {
        super(ExitCode.USAGE, file + ": " + (keyPath.isEmpty() ? "" : "key '" + keyPath + "': ") + expectation);
        this.file = file;
        this.keyPath = keyPath;
    }

    public String file() {
        return file;
    }

    public String keyPath() {
        return keyPath;
    }
}
