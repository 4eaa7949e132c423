package dev.mlops.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.ExitCode;
import dev.mlops.core.Platform;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.result.JobResult;
import dev.mlops.core.testing.TestEnvironment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.repeat.RepeatStatus;

/** A task Airflow retries after its run completed (killed before exiting) must not register a second version. */
class RetryReplayTest {
    @TempDir
    static Path home;
    static TestEnvironment.TestPlatform test;
    static final AtomicInteger executions = new AtomicInteger();

    @BeforeAll
    static void setUp() {
        test = TestEnvironment.platform(home);
    }

    @AfterAll
    static void tearDown() {
        test.close();
    }

    /** A process of the task: the shared metadata database, the run id Airflow passes (MLOPS_RUN_ID), the XCom file. */
    private static Platform process(String airflowRunId, Path xcom) {
        Map<String, String> overrides = new HashMap<>();
        if (airflowRunId != null) {
            overrides.put("run.id", airflowRunId);
        }
        overrides.put("result.path", xcom.toString());
        return Platform.builder(TestEnvironment.config(home, overrides)).spark(TestEnvironment.spark()).metadata(test.metadata()).build();
    }

    /** Like train: registers a new version per job instance. */
    private static final class Registering implements BatchJob {
        private final Platform platform;
        private final String model;
        private final boolean replays;

        Registering(Platform platform, String model, boolean replays) {
            this.platform = platform;
            this.model = model;
            this.replays = replays;
        }

        @Override
        public String scope() {
            return "all";
        }

        @Override
        public Job build(JobMetrics metrics) {
            var repo = platform.batch().jobRepository();
            return new JobBuilder("reg", repo).start(new StepBuilder("register", repo).tasklet((contribution, chunk) -> {
                executions.incrementAndGet();
                long instance = chunk.getStepContext().getStepExecution().getJobExecution().getJobInstance().getInstanceId();
                Registry.Version v = new Registry(platform.metadata()).register(new Registry.NewVersion(model, LocalDate.of(2024, 1, 1),
                        "local", "j", "file:///m/{version}", "rmse", 1.0, Map.of(), Map.of(), List.of("f"), Map.of(), instance), "job reg");
                chunk.getStepContext().getStepExecution().getJobExecution().getExecutionContext().putInt("version", v.version());
                return RepeatStatus.FINISHED;
            }, platform.batch().transactionManager()).build()).build();
        }

        @Override
        public ResultParts describe(RunOutcome outcome) {
            int v = outcome.context().getInt("version");
            return new ResultParts("registered v" + v, Map.of("version", v), List.of(), List.of(), List.of());
        }

        @Override
        public boolean replaysCompletedRetry() {
            return replays;
        }
    }

    private static JobResult run(String model, String airflowRunId, Path xcom, boolean replays, StringWriter out) {
        Platform p = process(airflowRunId, xcom);
        return RunSupport.execute(p, new RunIdentity("reg", model, LocalDate.of(2024, 1, 1)), new Registering(p, model, replays), Map.of(),
                new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
    }

    @Test
    void aRetryInTheSameAirflowRunReturnsTheRecordedResultAndAnotherRunRecomputes(@TempDir Path pod) throws Exception {
        executions.set(0);
        Path xcom1 = pod.resolve("try1.json");
        JobResult first = run("m1", "scheduled__2024-01-02T05:00:00+00:00", xcom1, true, new StringWriter());
        assertThat(first.exitCode()).isZero();
        assertThat(first.counts()).containsEntry("version", 1);
        assertThat(executions).hasValue(1);

        // the retry of the same task in the same DAG run: nothing runs, the registry keeps one version, the XCom is the recorded result
        Path xcom2 = pod.resolve("try2.json");
        StringWriter out = new StringWriter();
        JobResult retry = run("m1", "scheduled__2024-01-02T05:00:00+00:00", xcom2, true, out);
        assertThat(executions).as("the job is not launched again").hasValue(1);
        assertThat(retry.exitCode()).isZero();
        assertThat(retry.counts()).containsEntry("version", 1);
        JobResult firstXcom = JobResult.fromJson(Files.readString(xcom1));
        assertThat(retry).isEqualTo(firstXcom);
        assertThat(JobResult.fromJson(Files.readString(xcom2))).as("the retry's XCom is the first try's").isEqualTo(firstXcom);
        assertThat(new Registry(test.metadata()).list("m1")).hasSize(1);
        assertThat(out.toString()).contains("registered v1").contains("not recomputed");
        assertThat(count("SELECT count(*) FROM BATCH_JOB_EXECUTION_PARAMS WHERE PARAMETER_NAME = 'model' AND PARAMETER_VALUE = 'm1'")).as("no new execution").isEqualTo(1);

        // a new Airflow run (e.g. a backfill or a manual trigger) is an explicit re-run: it recomputes
        JobResult other = run("m1", "manual__2024-01-03T10:00:00+00:00", pod.resolve("try3.json"), true, new StringWriter());
        assertThat(executions).hasValue(2);
        assertThat(other.counts()).containsEntry("version", 2);
        // and so is a run without a run id (a person at the command line)
        JobResult person = run("m1", null, pod.resolve("try4.json"), true, new StringWriter());
        assertThat(executions).hasValue(3);
        assertThat(person.counts()).containsEntry("version", 3);
        assertThat(new Registry(test.metadata()).list("m1")).hasSize(3);
        // a retry of the first Airflow run after the identity ran again since is not a retry of the last run: it recomputes
        JobResult late = run("m1", "scheduled__2024-01-02T05:00:00+00:00", pod.resolve("try5.json"), true, new StringWriter());
        assertThat(late.counts()).containsEntry("version", 4);
    }

    @Test
    void aRetryAfterTheRunCompletedButBeforeItsResultWasRecordedDescribesItWithoutRecomputing(@TempDir Path pod) throws Exception {
        executions.set(0);
        JobResult first = run("m2", "scheduled__x", pod.resolve("a.json"), true, new StringWriter());
        int version = ((Number) first.counts().get("version")).intValue();
        // killed between the job's completion and the recording of its result
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM mlops_run_result WHERE job_execution_id = " + first.run().get("job_execution_id"));
        }
        JobResult retry = run("m2", "scheduled__x", pod.resolve("b.json"), true, new StringWriter());
        assertThat(executions).hasValue(1);
        assertThat(retry.exitCode()).isEqualTo(ExitCode.OK.code());
        assertThat(retry.counts()).containsEntry("version", version);
        assertThat(retry.run()).containsEntry("replayed", true).containsEntry("job_execution_id", first.run().get("job_execution_id"));
        assertThat(JobResult.fromJson(Files.readString(pod.resolve("b.json"))).counts()).containsEntry("version", version);
    }

    @Test
    void jobsWithoutOnceOnlyEffectsRecomputeOnARetry(@TempDir Path pod) {
        executions.set(0);
        run("m3", "scheduled__y", pod.resolve("a.json"), false, new StringWriter());
        run("m3", "scheduled__y", pod.resolve("b.json"), false, new StringWriter());
        assertThat(executions).hasValue(2);
    }

    private static long count(String sql) throws Exception {
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
