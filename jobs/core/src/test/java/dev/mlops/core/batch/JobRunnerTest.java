package dev.mlops.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.testing.TestEnvironment;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.repeat.RepeatStatus;

class JobRunnerTest {
    @TempDir
    static Path home;
    static TestEnvironment.TestPlatform test;
    static BatchRuntime runtime;
    static JobRunner runner;
    static final List<String> executed = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void setUp() {
        test = TestEnvironment.platform(home);
        runtime = test.platform().batch();
        runner = new JobRunner(runtime);
    }

    @AfterAll
    static void tearDown() {
        test.close();
    }

    private static Job job(String name, Tasklet first, Tasklet second) {
        var repo = runtime.jobRepository();
        return new JobBuilder(name, repo)
                .start(new StepBuilder("first", repo).tasklet(first, runtime.transactionManager()).build())
                .next(new StepBuilder("second", repo).tasklet(second, runtime.transactionManager()).build())
                .build();
    }

    private static Tasklet record(String name) {
        return (c, ctx) -> {
            executed.add(name);
            return RepeatStatus.FINISHED;
        };
    }

    @Test
    void completedRunThenReRunIsANewInstance() {
        RunIdentity id = new RunIdentity("t1", "m", LocalDate.of(2024, 1, 1));
        RunOutcome a = runner.run(id, "all", job("t1", record("a1"), record("a2")), Map.of());
        assertThat(a.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(a.run()).isEqualTo(1);
        assertThat(a.restarted()).isFalse();
        RunOutcome b = runner.run(id, "all", job("t1", record("b1"), record("b2")), Map.of());
        assertThat(b.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(b.run()).isEqualTo(2);
        assertThat(b.jobInstanceId()).isNotEqualTo(a.jobInstanceId());
        assertThat(b.stepsRun()).containsExactly("first", "second");
        // another date is another identity
        RunOutcome c = runner.run(new RunIdentity("t1", "m", LocalDate.of(2024, 1, 2)), "all", job("t1", record("c1"), record("c2")), Map.of());
        assertThat(c.run()).isEqualTo(1);
    }

    @Test
    void retryAfterFailureResumesAtTheFailedStep() {
        executed.clear();
        RunIdentity id = new RunIdentity("t2", "m", LocalDate.of(2024, 1, 1));
        AtomicInteger attempts = new AtomicInteger();
        Tasklet flaky = (c, ctx) -> {
            executed.add("second");
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("disk full");
            }
            return RepeatStatus.FINISHED;
        };
        RunOutcome failed = runner.run(id, "all", job("t2", record("first"), flaky), Map.of());
        assertThat(failed.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(failed.status()).isEqualTo(BatchStatus.FAILED);
        assertThat(failed.message()).contains("disk full");

        RunOutcome retried = runner.run(id, "all", job("t2", record("first"), flaky), Map.of());
        assertThat(retried.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(retried.restarted()).isTrue();
        assertThat(retried.run()).isEqualTo(1);
        assertThat(retried.jobInstanceId()).isEqualTo(failed.jobInstanceId());
        assertThat(retried.stepsRun()).containsExactly("second");
        assertThat(executed).containsExactly("first", "second", "second");
    }

    @Test
    void jobExceptionsKeepTheirExitCode() {
        RunIdentity id = new RunIdentity("t3", "m", LocalDate.of(2024, 1, 1));
        Tasklet bad = (c, ctx) -> {
            throw JobException.dataContract("column 'x' missing in file f.csv (expected int)");
        };
        RunOutcome out = runner.run(id, "all", job("t3", record("x"), bad), Map.of());
        assertThat(out.exitCode()).isEqualTo(ExitCode.DATA_CONTRACT);
        assertThat(out.message()).isEqualTo("column 'x' missing in file f.csv (expected int)");
    }

    @Test
    void noopExitStatusMeansNothingToDo() {
        RunIdentity id = new RunIdentity("t4", "m", LocalDate.of(2024, 1, 1));
        Tasklet noop = (contribution, ctx) -> {
            contribution.setExitStatus(new ExitStatus(JobRunner.NOOP, "no input"));
            return RepeatStatus.FINISHED;
        };
        RunOutcome out = runner.run(id, "all", job("t4", record("x"), noop), Map.of());
        assertThat(out.exitCode()).isEqualTo(ExitCode.NOTHING_TO_DO);
        assertThat(out.status()).isEqualTo(BatchStatus.COMPLETED);
    }

    @Test
    void aConcurrentRunOfTheSameIdentityIsRefused() throws Exception {
        RunIdentity id = new RunIdentity("t5", "m", LocalDate.of(2024, 1, 1));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Tasklet blocking = (c, ctx) -> {
            started.countDown();
            release.await(30, TimeUnit.SECONDS);
            return RepeatStatus.FINISHED;
        };
        CompletableFuture<RunOutcome> first = CompletableFuture.supplyAsync(
                () -> runner.run(id, "all", job("t5", blocking, record("y")), Map.of()));
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> runner.run(id, "all", job("t5", record("z1"), record("z2")), Map.of()))
                .isInstanceOf(JobException.class)
                .hasMessageContaining("another run of t5 m 2024-01-01 is in progress")
                .hasMessageContaining("not starting a second writer")
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.FAILED));
        // a different date is not blocked
        assertThat(runner.run(new RunIdentity("t5", "m", LocalDate.of(2024, 1, 2)), "all", job("t5", record("a"), record("b")), Map.of())
                .exitCode()).isEqualTo(ExitCode.OK);
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).exitCode()).isEqualTo(ExitCode.OK);
    }

    @Test
    void anExecutionLeftRunningByADeadProcessIsRestarted() throws Exception {
        executed.clear();
        RunIdentity id = new RunIdentity("t6", "m", LocalDate.of(2024, 1, 1));
        AtomicInteger attempts = new AtomicInteger();
        Tasklet dies = (c, ctx) -> {
            executed.add("second");
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("killed");
            }
            return RepeatStatus.FINISHED;
        };
        RunOutcome failed = runner.run(id, "all", job("t6", record("first"), dies), Map.of());
        // make it look like the process died mid-step: the repository still says STARTED
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE BATCH_JOB_EXECUTION SET STATUS = 'STARTED', END_TIME = NULL WHERE JOB_EXECUTION_ID = " + failed.jobExecutionId());
            st.executeUpdate("UPDATE BATCH_STEP_EXECUTION SET STATUS = 'STARTED', END_TIME = NULL WHERE JOB_EXECUTION_ID = "
                    + failed.jobExecutionId() + " AND STEP_NAME = 'second'");
        }
        RunOutcome resumed = runner.run(id, "all", job("t6", record("first"), dies), Map.of());
        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(resumed.restarted()).isTrue();
        assertThat(resumed.stepsRun()).containsExactly("second");
        assertThat(runtime.jobExplorer().getJobExecution(failed.jobExecutionId()).getStatus()).isEqualTo(BatchStatus.FAILED);
    }

    @Test
    void scopesAreSeparateInstances() {
        RunIdentity id = new RunIdentity("t7", "m", LocalDate.of(2024, 1, 1));
        assertThat(runner.run(id, "all", job("t7", record("a"), record("b")), Map.of()).run()).isEqualTo(1);
        assertThat(runner.run(id, "rentals", job("t7", record("a"), record("b")), Map.of()).run()).isEqualTo(1);
        assertThat(runner.run(id, "all", job("t7", record("a"), record("b")), Map.of()).run()).isEqualTo(2);
    }

    @Test
    void afterADataContractFailureTheNextRunStartsFresh() {
        executed.clear();
        RunIdentity id = new RunIdentity("t8", "m", LocalDate.of(2024, 1, 1));
        AtomicInteger attempts = new AtomicInteger();
        Tasklet gate = (c, ctx) -> {
            executed.add("gate");
            if (attempts.incrementAndGet() == 1) {
                throw JobException.dataContract("trips.max_speed_kph: max 412.0 > 250.0");
            }
            return RepeatStatus.FINISHED;
        };
        RunOutcome failed = runner.run(id, "all", job("t8", record("check"), gate), Map.of());
        assertThat(failed.exitCode()).isEqualTo(ExitCode.DATA_CONTRACT);
        // the data is fixed upstream; the next run recomputes everything instead of re-gating stale results
        RunOutcome next = runner.run(id, "all", job("t8", record("check"), gate), Map.of());
        assertThat(next.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(next.restarted()).isFalse();
        assertThat(next.run()).isEqualTo(2);
        assertThat(next.stepsRun()).containsExactly("first", "second");
        assertThat(executed).containsExactly("check", "gate", "check", "gate");
        assertThat(runtime.jobExplorer().getJobExecution(failed.jobExecutionId()).getStatus()).isEqualTo(BatchStatus.ABANDONED);
    }
}
