package dev.mlops.core.batch;

import static java.util.Objects.requireNonNull;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.JobParameters;
import org.springframework.batch.core.JobParametersBuilder;
import org.springframework.batch.core.StepExecution;

/**
 * Runs a Spring Batch job for a {@link RunIdentity} under the platform's run contract:
 * <ul>
 *   <li>two runs of one identity never both write: a PostgreSQL advisory lock is held for the
 *       whole run, and the second run fails fast (exit 1, retry later);</li>
 *   <li>a retry after a retryable failure (exit 1) restarts the failed job instance, so completed
 *       steps are not redone; an execution left "STARTED" by a dead process is marked failed first;</li>
 *   <li>after a usage or data contract failure (exit 2 or 3) the next run is a fresh instance:
 *       the input or config has been fixed since, so nothing staged by the failed run is reused;</li>
 *   <li>a run after a completed one is an explicit re-run: a new instance that recomputes and
 *       replaces the outputs;</li>
 *   <li>except a retry within the same Airflow run: when the job's parameters carry
 *       {@link #AIRFLOW_RUN_ID} and the identity's last execution completed with the same value, nothing is
 *       launched and the outcome of that execution is returned ({@link RunOutcome#replayed()}): a task killed
 *       after its run completed (a version registered, an alias moved, a ledger entry appended) and retried by
 *       Airflow does not do it twice.</li>
 * </ul>
 * Identifying parameters: {@code model}, {@code date}, {@code scope} (e.g. which datasets) and
 * {@code run} (1, 2, ... per identity).
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    /** Exit status a job sets when it found nothing to do (maps to exit 100). */
    public static final String NOOP = "NOOP";
    /** Exit-status prefix recording, on a failed execution, that it must not be resumed. */
    static final String NOT_RESUMABLE = "FAILED_NOT_RESUMABLE";
    /** Non-identifying job parameter: the Airflow run id of the run ({@code run.id}, {@code MLOPS_RUN_ID}), when replayable. */
    public static final String AIRFLOW_RUN_ID = "airflow_run_id";
    private static final Set<BatchStatus> RUNNING = Set.of(BatchStatus.STARTING, BatchStatus.STARTED, BatchStatus.STOPPING, BatchStatus.UNKNOWN);

    private final BatchRuntime runtime;

    public JobRunner(BatchRuntime runtime) {
        this.runtime = requireNonNull(runtime, "runtime is null");
    }

    public RunOutcome run(RunIdentity id, String scope, Job job, Map<String, String> extraParameters) {
        return run(id, scope, job, extraParameters, failed -> true);
    }

    /**
     * @param resumable whether a failed execution can be restarted; when it cannot (its staged
     *     output is gone), the execution is marked ABANDONED and a fresh run starts instead
     */
    public RunOutcome run(RunIdentity id, String scope, Job job, Map<String, String> extraParameters,
                          java.util.function.Predicate<JobExecution> resumable) {
        try (Connection lockConnection = runtime.dataSource().getConnection()) {
            if (!tryLock(lockConnection, id)) {
                throw new JobException(ExitCode.FAILED, "another run of " + id + " is in progress"
                        + describeRunning(id, scope) + "; not starting a second writer (retry when it has finished)");
            }
            try {
                return runLocked(id, scope, job, extraParameters, resumable);
            } finally {
                unlock(lockConnection, id);
            }
        } catch (SQLException e) {
            throw JobException.retryable("metadata database unavailable: " + e.getMessage(), e);
        }
    }

    private RunOutcome runLocked(RunIdentity id, String scope, Job job, Map<String, String> extra,
                                 java.util.function.Predicate<JobExecution> resumable) throws SQLException {
        LastExecution last = lastExecution(id, scope);
        String airflowRun = extra.get(AIRFLOW_RUN_ID);
        if (airflowRun != null && last != null && last.status == BatchStatus.COMPLETED
                && airflowRun.equals(parameter(last.executionId, AIRFLOW_RUN_ID))) {
            JobExecution done = runtime.jobExplorer().getJobExecution(last.executionId);
            LOG.info("{} already completed in Airflow run {} (execution {}, run {}): a retry returns its result, nothing is recomputed",
                    id, airflowRun, last.executionId, last.run);
            return outcome(id, last.run, false, done, true);
        }
        long run;
        boolean restart;
        if (last == null) {
            run = 1;
            restart = false;
        } else if (RUNNING.contains(last.status)) {
            markAbandoned(last.executionId);
            run = last.run;
            restart = true;
        } else if ((last.status == BatchStatus.FAILED || last.status == BatchStatus.STOPPED)
                && !last.exitCode.startsWith(NOT_RESUMABLE)) {
            run = last.run;
            restart = true;
        } else {
            run = last.run + 1;
            restart = false;
        }
        if (last != null && last.exitCode.startsWith(NOT_RESUMABLE)) {
            abandon(last.executionId, "its failure (bad usage or data contract) needs fresh input, not a resume");
        }
        if (restart) {
            JobExecution failed = runtime.jobExplorer().getJobExecution(last.executionId);
            if (failed != null && !resumable.test(failed)) {
                LOG.warn("execution {} of {} cannot be resumed (what its completed steps staged is gone); "
                        + "marking it ABANDONED and starting a fresh run", last.executionId, id);
                abandon(last.executionId, "its staged output is gone");
                run = last.run + 1;
                restart = false;
            }
        }
        JobParametersBuilder params = new JobParametersBuilder()
                .addString("model", id.model(), true)
                .addString("date", id.date().toString(), true)
                .addString("scope", scope, true)
                .addLong("run", run, true);
        extra.forEach((k, v) -> params.addString(k, v, false));
        JobParameters jobParameters = params.toJobParameters();
        LOG.info("{} {} (run {}{})", restart ? "restarting" : "starting", id, run, scope.isEmpty() ? "" : ", scope " + scope);
        JobExecution execution;
        try {
            execution = runtime.launcher().run(job, jobParameters);
        } catch (Exception e) {
            throw JobException.retryable("cannot launch " + id + ": " + e.getMessage(), e);
        }
        return outcome(id, run, restart, execution, false);
    }

    private String parameter(long executionId, String name) throws SQLException {
        String sql = "SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS WHERE JOB_EXECUTION_ID = ? AND PARAMETER_NAME = ?";
        try (Connection c = runtime.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, executionId);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private void abandon(long executionId, String why) {
        JobExecution e = runtime.jobExplorer().getJobExecution(executionId);
        if (e == null || e.getStatus() == BatchStatus.ABANDONED) {
            return;
        }
        LOG.info("execution {} is not resumed ({}); starting a fresh run", executionId, why);
        e.setStatus(BatchStatus.ABANDONED);
        e.setEndTime(e.getEndTime() == null ? LocalDateTime.now() : e.getEndTime());
        runtime.jobRepository().update(e);
    }

    private RunOutcome outcome(RunIdentity id, long run, boolean restarted, JobExecution execution, boolean replayed) {
        ExitCode code;
        String message = null;
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            code = NOOP.equals(execution.getExitStatus().getExitCode()) ? ExitCode.NOTHING_TO_DO : ExitCode.OK;
            message = execution.getExitStatus().getExitDescription();
        } else {
            code = ExitCode.FAILED;
            List<Throwable> failures = execution.getAllFailureExceptions();
            JobException decisive = null;
            for (Throwable t : failures) {
                JobException je = JobException.find(t);
                if (je != null) {
                    decisive = je;
                    break;
                }
            }
            if (decisive != null) {
                code = decisive.exitCode();
                message = decisive.getMessage();
                LOG.warn("{} failed: {}", id, message);
                if (code == ExitCode.USAGE || code == ExitCode.DATA_CONTRACT) {
                    // remember on the execution that a later run must start fresh
                    execution.setExitStatus(new ExitStatus(NOT_RESUMABLE + "_" + code.name(),
                            execution.getExitStatus().getExitDescription()));
                    runtime.jobRepository().update(execution);
                }
            } else if (!failures.isEmpty()) {
                Throwable t = failures.get(0);
                message = t.getClass().getSimpleName() + ": " + t.getMessage();
                LOG.error("{} failed", id, t);
            } else {
                message = "job ended with status " + execution.getStatus();
            }
        }
        List<String> steps = new ArrayList<>();
        for (StepExecution se : execution.getStepExecutions()) {
            steps.add(se.getStepName());
        }
        return new RunOutcome(id, execution.getJobInstance().getInstanceId(), execution.getId(), run, restarted,
                execution.getStatus(), code, message, execution.getExecutionContext(), replayed ? List.of() : steps, replayed);
    }

    private record LastExecution(long executionId, BatchStatus status, long run, String exitCode) {
    }

    private LastExecution lastExecution(RunIdentity id, String scope) throws SQLException {
        String sql = """
                SELECT e.JOB_EXECUTION_ID, e.STATUS, e.EXIT_CODE,
                       (SELECT p.PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS p
                         WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'run') AS RUN
                  FROM BATCH_JOB_EXECUTION e
                  JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
                 WHERE i.JOB_NAME = ?
                   AND EXISTS (SELECT 1 FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
                               AND p.PARAMETER_NAME = 'model' AND p.PARAMETER_VALUE = ?)
                   AND EXISTS (SELECT 1 FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
                               AND p.PARAMETER_NAME = 'date' AND p.PARAMETER_VALUE = ?)
                   AND EXISTS (SELECT 1 FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
                               AND p.PARAMETER_NAME = 'scope' AND p.PARAMETER_VALUE = ?)
                 ORDER BY e.JOB_EXECUTION_ID DESC
                 LIMIT 1""";
        try (Connection c = runtime.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id.job());
            ps.setString(2, id.model());
            ps.setString(3, id.date().toString());
            ps.setString(4, scope);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new LastExecution(rs.getLong(1), BatchStatus.valueOf(rs.getString(2)), Long.parseLong(rs.getString("RUN")),
                        rs.getString(3) == null ? "" : rs.getString(3));
            }
        }
    }

    /** An execution still "running" while we hold the identity's lock belongs to a process that died. */
    private void markAbandoned(long executionId) {
        JobExecution stale = runtime.jobExplorer().getJobExecution(executionId);
        if (stale == null) {
            return;
        }
        LOG.warn("execution {} of {} was left {} by a process that is gone; marking it FAILED so it can be restarted",
                executionId, stale.getJobInstance().getJobName(), stale.getStatus());
        LocalDateTime now = LocalDateTime.now();
        for (StepExecution step : stale.getStepExecutions()) {
            if (RUNNING.contains(step.getStatus())) {
                step.setStatus(BatchStatus.FAILED);
                step.setExitStatus(ExitStatus.FAILED.addExitDescription("abandoned: the process running it died"));
                step.setEndTime(now);
                runtime.jobRepository().update(step);
            }
        }
        stale.setStatus(BatchStatus.FAILED);
        stale.setExitStatus(ExitStatus.FAILED.addExitDescription("abandoned: the process running it died"));
        stale.setEndTime(now);
        runtime.jobRepository().update(stale);
    }

    private String describeRunning(RunIdentity id, String scope) {
        try {
            LastExecution last = lastExecution(id, scope);
            if (last != null && RUNNING.contains(last.status)) {
                return " (execution " + last.executionId + ", run " + last.run + ")";
            }
        } catch (SQLException ignored) {
            // best effort
        }
        return "";
    }

    private static boolean tryLock(Connection c, RunIdentity id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, id.lockKey());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void unlock(Connection c, RunIdentity id) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, id.lockKey());
            ps.execute();
        } catch (SQLException e) {
            // a pooled connection would go back to the pool still holding the lock: take it out of the pool
            LOG.warn("releasing the lock of {} failed; closing its connection to release it: {}", id, e.getMessage());
            if (runtime.dataSource() instanceof com.zaxxer.hikari.HikariDataSource pool) {
                pool.evictConnection(c);
            }
        }
    }
}
