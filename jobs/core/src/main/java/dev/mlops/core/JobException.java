package dev.mlops.core;

import static java.util.Objects.requireNonNull;

/**
 * A failure that knows its category. Jobs throw subclasses; only the CLI edge turns them
 * into a process exit code. Anything else that escapes a job is treated as {@link ExitCode#FAILED}.
 */
public class JobException extends RuntimeException {
    private final ExitCode exitCode;

    public JobException(ExitCode exitCode, String message) {
        super(requireNonNull(message, "message is null"));
        this.exitCode = requireNonNull(exitCode, "exitCode is null");
    }

    public JobException(ExitCode exitCode, String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
        this.exitCode = requireNonNull(exitCode, "exitCode is null");
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    /** Bad usage or configuration (exit 2). */
    public static JobException usage(String message) {
        return new JobException(ExitCode.USAGE, message);
    }

    /** Data contract violation (exit 3). */
    public static JobException dataContract(String message) {
        return new JobException(ExitCode.DATA_CONTRACT, message);
    }

    /** Nothing to do, or gate not passed (exit 100). */
    public static JobException nothingToDo(String message) {
        return new JobException(ExitCode.NOTHING_TO_DO, message);
    }

    /** Retryable failure (exit 1). */
    public static JobException retryable(String message, Throwable cause) {
        return new JobException(ExitCode.FAILED, message, cause);
    }

    /** Walks the cause chain for the first JobException; null if none. */
    public static JobException find(Throwable t) {
        for (Throwable cur = t; cur != null; cur = cur.getCause()) {
            if (cur instanceof JobException je) {
                return je;
            }
            if (cur.getCause() == cur) {
                break;
            }
        }
        return null;
    }
}
