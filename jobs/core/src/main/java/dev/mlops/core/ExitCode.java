package dev.mlops.core;

/**
 * The one exit-code contract of every job (documented in docs/exit-codes.md).
 *
 * <p>Airflow maps {@link #NOTHING_TO_DO} to "skipped" via {@code skip_on_exit_code=[100]};
 * {@link #FAILED} is the only code worth an automatic retry.
 */
public enum ExitCode {
    /** Done: outputs published. */
    OK(0),
    /** Failed for a reason that may go away (I/O, a lock held by another run, a crash): retry. */
    FAILED(1),
    /** Bad usage or configuration: the message names the file, key and expected value. Do not retry. */
    USAGE(2),
    /** Data contract or quality violation: the input is not fit for use. Do not retry until the data changes. */
    DATA_CONTRACT(3),
    /** Nothing to do, or a gate did not pass: downstream tasks are skipped. */
    NOTHING_TO_DO(100);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ExitCode fromCode(int code) {
        for (ExitCode value : values()) {
            if (value.code == code) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown exit code " + code);
    }
}
