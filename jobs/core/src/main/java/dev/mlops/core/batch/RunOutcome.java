package dev.mlops.core.batch;

import dev.mlops.core.ExitCode;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.item.ExecutionContext;

/**
 * What a run ended with: its execution, the exit code from the contract, the message of the
 * failure that decided it (if any), and the job's execution context (where steps leave their
 * results; carried over to a restarted execution).
 */
public record RunOutcome(
        RunIdentity identity,
        long jobInstanceId,
        long jobExecutionId,
        long run,
        boolean restarted,
        BatchStatus status,
        ExitCode exitCode,
        String message,
        ExecutionContext context,
        List<String> stepsRun,
        boolean replayed) {
    /** The run of an identity that already completed in the same Airflow run, found again by a retry (nothing was launched). */
    public boolean replayed() {
        return replayed;
    }
}
