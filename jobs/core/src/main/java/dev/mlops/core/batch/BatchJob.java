package dev.mlops.core.batch;

import dev.mlops.core.metrics.JobMetrics;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;

/**
 * A lifecycle job for one (model, date), as the runtime needs it: the Spring Batch job to
 * launch, how to describe its outcome, and whether a failed execution can still be resumed.
 */
public interface BatchJob {
    /** Which part of the identity this run covers ("all", or e.g. a dataset list); part of the run's identity. */
    String scope();

    /** Builds the Spring Batch job for this run. */
    Job build(JobMetrics metrics);

    /** Counts, outputs, decisions and a short summary of a finished run. */
    ResultParts describe(RunOutcome outcome);

    /**
     * Whether a failed execution can be restarted where it stopped: false when what its
     * completed steps left behind (staged output) is gone, so only a fresh run can succeed.
     */
    default boolean resumable(JobExecution failed) {
        return true;
    }

    /**
     * Whether a retry within the same Airflow run ({@code run.id}, {@code MLOPS_RUN_ID}) of a run that already
     * completed returns that run's recorded result instead of recomputing: true for the jobs whose effects must
     * happen once per Airflow run (they register a version, move an alias or append to the audit ledger).
     */
    default boolean replaysCompletedRetry() {
        return false;
    }
}
