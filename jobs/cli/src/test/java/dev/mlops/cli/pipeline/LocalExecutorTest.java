package dev.mlops.cli.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.cli.pipeline.LocalExecutor.DagRun;
import dev.mlops.cli.pipeline.LocalExecutor.State;
import dev.mlops.cli.pipeline.LocalExecutor.TaskRun;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.train.testing.TinyDemand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local executor running real jobs in process: exit codes become task states, trigger rules
 * propagate them, a branch reads the job's JSON result, a trigger runs the triggered DAG for the
 * same date with its conf as params, task logs are kept, and a date range runs the range-capable
 * prefix once and still gives each date its own state.
 */
class LocalExecutorTest {
    static final LocalDate D1 = LocalDate.of(2024, 5, 6);
    static final LocalDate D2 = D1.plusDays(1);
    static final LocalDate EMPTY = D1.plusDays(2);

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        for (LocalDate d : List.of(D1, D2)) {
            Path dir = Files.createDirectories(Paths.get(tp.platform().config().landingUri()).resolve("ev").resolve(d.toString()));
            StringBuilder csv = new StringBuilder("k,ts,v\n");
            for (int k = 1; k <= 3; k++) {
                for (int h = 0; h < 24; h++) {
                    csv.append(k).append(',').append(d).append(String.format(" %02d:15:00,", h)).append(h % 5).append('\n');
                }
            }
            Files.writeString(dir.resolve("ev.csv"), csv);
        }
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static Plan.Task job(String id, List<String> args, List<String> upstream, String rule) {
        return new Plan.Task(id, "job", args.get(0), "", "mlops-" + args.get(0) + ":local", args.subList(1, args.size()), upstream, rule,
                List.of(100), 1, null, null, null, null, null, null, null, null, null);
    }

    static Map<String, State> states(DagRun r) {
        return r.tasks().stream().collect(Collectors.toMap(TaskRun::taskId, TaskRun::state));
    }

    @Test
    void statesTriggerRulesBranchAndTriggerFollowTheJobsExitCodesAndResults() throws Exception {
        List<String> day = List.of("--model", "tt", "--date", "{{ ds }}");
        Plan child = new Plan(1, "tt_child", "tt", "child", "", "tt.yaml", "", null,
                Map.of("date", Map.of("type", List.of("null", "string"), "format", "date", "default", "2000-01-01")),
                List.of(job("validate_again", List.of("validate", "--model", "tt", "--date", "{{ params.date }}"), List.of(), "all_success")));
        Plan daily = new Plan(1, "tt_daily", "tt", "daily", "", "tt.yaml", "", "@daily", Map.of(), List.of(
                job("ingest", concat("ingest", day), List.of(), "all_success"),
                job("validate", concat("validate", day), List.of("ingest"), "all_success"),
                // exit 2 (no such model): failed, and no retry (only exit 1 is retried)
                job("broken", List.of("ingest", "--model", "nope", "--date", "{{ ds }}"), List.of("validate"), "all_success"),
                // (a fixed date, so it has work whatever the run's date)
                job("after_broken", List.of("ingest", "--date", D1.toString(), "--model", "tt"), List.of("broken"), "none_failed"),
                new Plan.Task("decide", "branch", null, "", null, null, List.of("validate"), "all_success", null, null,
                        new Plan.Condition("validate", List.of("exit_code"), 0), List.of("go"), List.of("stop"), null, null, null, null, null, null),
                new Plan.Task("go", "trigger", null, "", null, null, List.of("decide"), "all_success", null, null, null, null, null, "tt_child",
                        Map.of("date", "{{ ds }}", "ignored", "{{ run_id }}"), null, null, null, null),
                job("stop", concat("validate", day), List.of("decide"), "all_success")));
        Function<String, Plan> lookup = id -> id.equals("tt_child") ? child : null;
        StringWriter progress = new StringWriter();
        LocalExecutor ex = new LocalExecutor(tp.platform(), lookup, new PrintWriter(progress, true), true);

        // a day with data: ingest and validate done; the broken task failed with its own code; the branch followed "go"
        DagRun run = ex.run(daily, D1, D1, Map.of()).get(0);
        Map<String, State> s = states(run);
        assertThat(s).containsEntry("ingest", State.SUCCESS).containsEntry("validate", State.SUCCESS).containsEntry("broken", State.FAILED)
                .containsEntry("after_broken", State.UPSTREAM_FAILED).containsEntry("decide", State.SUCCESS).containsEntry("go", State.SUCCESS)
                .containsEntry("stop", State.SKIPPED);
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.tasks().stream().filter(t -> t.taskId().equals("validate")).findFirst().orElseThrow().result())
                .containsEntry("exit_code", 0).containsEntry("job", "validate");
        // the trigger ran the child for the same date, with the conf's declared params only
        assertThat(run.triggered()).singleElement().satisfies(c -> {
            assertThat(c.dagId()).isEqualTo("tt_child");
            assertThat(c.params()).containsExactly(Map.entry("date", D1.toString()));
            assertThat(states(c)).containsEntry("validate_again", State.SUCCESS);
        });
        assertThat(progress.toString()).contains("tt_daily " + D1).contains("follow [go]").contains("triggered tt_child");
        assertThat(home.resolve("pipeline/tt_daily/" + D1 + "/broken.log")).content().contains("$ mlops ingest --model nope")
                .contains("exit 2");

        // a day without input: ingest exits 100, so everything downstream with all_success is skipped; none_failed still runs
        DagRun empty = ex.run(daily, EMPTY, EMPTY, Map.of()).get(0);
        assertThat(states(empty)).containsEntry("ingest", State.SKIPPED).containsEntry("validate", State.SKIPPED)
                .containsEntry("broken", State.SKIPPED).containsEntry("decide", State.SKIPPED).containsEntry("go", State.SKIPPED);
        assertThat(states(empty).get("after_broken")).isEqualTo(State.SUCCESS).as("none_failed runs after a skip");
    }

    @Test
    void aRangeRunsTheRangePrefixOnceAndEachDateKeepsItsOwnState() {
        List<String> day = List.of("--model", "tt", "--date", "{{ ds }}");
        Plan daily = new Plan(1, "tt_range", "tt", "daily", "", "tt.yaml", "", "@daily", Map.of(), List.of(
                job("ingest", concat("ingest", day), List.of(), "all_success"),
                job("validate", concat("validate", day), List.of("ingest"), "all_success"),
                // not a range task: its arguments are not exactly --model M --date {{ ds }}
                job("again", List.of("ingest", "--date", "{{ ds }}", "--model", "tt"), List.of("validate"), "all_success")));
        assertThat(LocalExecutor.rangePrefix(daily)).extracting(Plan.Task::taskId).containsExactly("ingest", "validate");
        StringWriter progress = new StringWriter();
        List<DagRun> runs = new LocalExecutor(tp.platform(), id -> null, new PrintWriter(progress, true), true).run(daily, D1, EMPTY, Map.of());
        assertThat(runs).extracting(DagRun::date).containsExactly(D1, D2, EMPTY);
        assertThat(states(runs.get(0))).containsEntry("ingest", State.SUCCESS).containsEntry("validate", State.SUCCESS)
                .containsEntry("again", State.SUCCESS);
        assertThat(states(runs.get(1))).containsEntry("validate", State.SUCCESS).containsEntry("again", State.SUCCESS);
        // the range's last date had no input: its ingest result says 100, so that date's tasks are skipped
        assertThat(states(runs.get(2))).containsEntry("ingest", State.SKIPPED).containsEntry("validate", State.SKIPPED)
                .containsEntry("again", State.SKIPPED);
        assertThat(progress.toString()).contains("ingest -> validate over the whole range first").contains(D1 + ".." + EMPTY);
    }

    static List<String> concat(String job, List<String> args) {
        List<String> out = new java.util.ArrayList<>();
        out.add(job);
        out.addAll(args);
        return out;
    }
}
