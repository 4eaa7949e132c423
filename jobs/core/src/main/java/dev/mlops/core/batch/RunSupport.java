package dev.mlops.core.batch;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.logging.Logs;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.result.JobResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one identity of a batch job end to end: lock, launch or restart (see {@link JobRunner}),
 * then the JSON result, the metrics (file + Pushgateway) and the one-line summary on stdout.
 */
public final class RunSupport {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunSupport.class);
    private RunSupport() {
    }

    /** What a date that fails does to the rest of a {@code --from/--to} range. */
    public enum RangePolicy {
        /** Stop at the first date that is neither done nor nothing-to-do (ingest: later windows build on earlier ones). */
        STOP_ON_FAILURE,
        /** A data contract violation (exit 3) stops that date only; later dates still run and the range ends with exit 3. */
        CONTINUE_AFTER_CONTRACT_VIOLATION
    }

    /**
     * Runs one job per date, in order, and returns the exit code of the whole range: the code of
     * the date that stopped it; else 3 if a date violated its contract; else 0 if any date did
     * work; else 100 (nothing to do on any date).
     */
    public static int executeDates(List<LocalDate> dates, boolean range, RangePolicy policy,
                                   Function<LocalDate, JobResult> runDate, PrintWriter err) {
        boolean anyDone = false;
        boolean violation = false;
        for (LocalDate date : dates) {
            ExitCode code = ExitCode.fromCode(runDate.apply(date).exitCode());
            boolean goOn = code == ExitCode.OK || code == ExitCode.NOTHING_TO_DO
                    || code == ExitCode.DATA_CONTRACT && policy == RangePolicy.CONTINUE_AFTER_CONTRACT_VIOLATION;
            if (!goOn) {
                if (range) {
                    err.println("stopping the range at " + date + "; the dates before it are done");
                }
                return code.code();
            }
            violation |= code == ExitCode.DATA_CONTRACT;
            anyDone |= code == ExitCode.OK;
        }
        if (violation) {
            return ExitCode.DATA_CONTRACT.code();
        }
        return anyDone ? ExitCode.OK.code() : ExitCode.NOTHING_TO_DO.code();
    }

    public static JobResult execute(Platform platform, RunIdentity id, BatchJob job, Map<String, String> extraParameters,
                                    PrintWriter out, PrintWriter err) {
        String scope = job.scope();
        Instant started = Instant.now();
        Logs.runContext(id.job(), id.model(), id.date().toString());
        JobMetrics metrics = new JobMetrics(id);
        try {
            RunOutcome outcome;
            ResultParts parts;
            Map<String, Object> run = new LinkedHashMap<>();
            try {
                Map<String, String> extra = extraParameters;
                java.util.Optional<String> airflowRun = platform.config().runId();
                if (airflowRun.isPresent() && job.replaysCompletedRetry()) {
                    extra = new LinkedHashMap<>(extraParameters);
                    extra.put(JobRunner.AIRFLOW_RUN_ID, airflowRun.get());
                }
                outcome = new JobRunner(platform.batch()).run(id, scope, job.build(metrics), extra, job::resumable);
                if (outcome.replayed()) {
                    java.util.Optional<String> recorded = platform.results().recorded(outcome.jobExecutionId());
                    if (recorded.isPresent()) {
                        return replay(platform, id, scope, outcome, airflowRun.orElseThrow(), recorded.get(), out);
                    }
                    // the process died after the run completed but before it recorded its result: describe it now
                    LOG.info("{}: execution {} completed without a recorded result; recording it now", id, outcome.jobExecutionId());
                }
                parts = job.describe(outcome);
                run.put("job_instance_id", outcome.jobInstanceId());
                run.put("job_execution_id", outcome.jobExecutionId());
                run.put("run", outcome.run());
                run.put("restarted", outcome.restarted());
                run.put("steps_run", outcome.stepsRun());
                if (outcome.replayed()) {
                    run.put("replayed", true);
                }
                if (!scope.isEmpty()) {
                    run.put("scope", scope);
                }
            } catch (JobException e) {
                parts = new ResultParts(e.getMessage(), Map.of(), null, null, java.util.List.of(e.getMessage()));
                return finish(platform, id, scope, started, metrics, e.exitCode(), e.getMessage(), parts, run, null, out, err);
            }
            String message = outcome.exitCode() == ExitCode.OK ? null : outcome.message();
            return finish(platform, id, scope, started, metrics, outcome.exitCode(), message, parts, run, outcome.jobExecutionId(), out, err);
        } finally {
            Logs.clearRunContext();
        }
    }

    /**
     * A retry within the same Airflow run of a run that completed: its recorded result, as it was, goes to the
     * result file and the XCom copy again; nothing is recomputed, and no metrics are pushed a second time.
     */
    private static JobResult replay(Platform platform, RunIdentity id, String scope, RunOutcome outcome, String airflowRun, String json,
                                    PrintWriter out) {
        JobResult recorded = JobResult.fromJson(json);
        platform.results().writeFiles(recorded, scope);
        out.println(recorded.summary() + " [recorded result of execution " + outcome.jobExecutionId() + ": the run completed in Airflow run "
                + airflowRun + "; not recomputed]");
        out.flush();
        return recorded;
    }

    private static JobResult finish(Platform platform, RunIdentity id, String scope, Instant started, JobMetrics metrics, ExitCode code,
                                    String message, ResultParts parts, Map<String, Object> run, Long executionId,
                                    PrintWriter out, PrintWriter err) {
        Instant finished = Instant.now();
        double seconds = Duration.between(started, finished).toMillis() / 1000.0;
        metrics.finished(code.code(), seconds);
        String status = code.name().toLowerCase(Locale.ROOT);
        String summary = String.format(Locale.ROOT, "%s %s %s: %s (exit %d)%s in %.1fs", id.job(), id.model(), id.date(),
                statusWord(code), code.code(), parts.summary().isEmpty() ? "" : " " + parts.summary(), seconds);
        if (message != null && !parts.summary().contains(message)) {
            summary += " - " + message;
        }
        JobResult result = new JobResult(id.job(), id.model(), id.date(), status, code.code(), summary, message,
                parts.counts(), parts.outputs(), parts.decisions(), parts.reasons(), run, Versions.codeVersion(),
                started, finished, seconds);
        Path file = platform.results().write(result, scope, executionId);
        metrics.publish(platform.config().pushgatewayUrl(), file.resolveSibling(file.getFileName().toString().replaceAll("\\.json$", ".prom")));
        out.println(summary);
        out.flush();
        if (message != null && code != ExitCode.OK && code != ExitCode.NOTHING_TO_DO) {
            err.println("mlops " + id.job() + ": " + dev.mlops.core.cli.Cli.label(code) + ": " + message);
            err.flush();
        }
        return result;
    }

    static String statusWord(ExitCode code) {
        return switch (code) {
            case OK -> "done";
            case FAILED -> "FAILED";
            case USAGE -> "BAD USAGE";
            case DATA_CONTRACT -> "DATA CONTRACT VIOLATION";
            case NOTHING_TO_DO -> "nothing to do";
        };
    }
}
