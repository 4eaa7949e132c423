package dev.mlops.cli.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.cli.MlopsCommand;
import dev.mlops.core.JobException;
import dev.mlops.core.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The plans the DAGs are built from, as the local executor reads them (from the Python plan
 * layer itself): every job task's rendered arguments parse under that job's own command, the
 * one its image runs; every job has an image definition whose jar is the job's; the executor's
 * template rendering, params, trigger rules and branch conditions behave as Airflow's.
 */
class PipelinePlanContractTest {
    static final Path REPO = TestEnvironment.specsDir().getParent().getParent();
    static List<Plan> plans;

    @BeforeAll
    static void load() {
        plans = PlanSource.of(TestEnvironment.specsDir()).all();
    }

    @Test
    void everyModelHasItsThreeDags() {
        assertThat(plans).extracting(Plan::dagId).containsExactly("trip_risk_daily", "trip_risk_retrain", "trip_risk_backfill",
                "zone_demand_daily", "zone_demand_retrain", "zone_demand_backfill");
    }

    @Test
    void everyTaskParsesUnderItsJobsCommandAndHasItsImage() throws Exception {
        int checked = 0;
        for (Plan p : plans) {
            Map<String, Object> params = new LinkedHashMap<>();
            for (var e : p.params().entrySet()) {
                params.put(e.getKey(), e.getValue().getOrDefault("default", "2024-03-05"));
            }
            if (p.params().containsKey("hyperparameters")) {
                params.put("hyperparameters", Map.of("eta", 0.05, "max_depth", 4));
                params.put("tune", true);
            }
            Templates.Context ctx = new Templates.Context("2024-03-05", "scheduled__2024-03-05T05:00:00+00:00", Params.resolve(p, params));
            for (Plan.Task t : p.tasks()) {
                if (!"job".equals(t.kind())) {
                    continue;
                }
                List<String> argv = new ArrayList<>();
                argv.add(t.job());
                t.arguments().forEach(a -> argv.add(Templates.render(a, ctx)));
                CommandLine root = new CommandLine(new MlopsCommand());
                CommandLine.ParseResult parsed = root.parseArgs(argv.toArray(String[]::new));
                assertThat(parsed.subcommand()).as(p.dagId() + "." + t.taskId()).isNotNull();
                assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(t.job());
                assertThat(parsed.subcommand().unmatched()).as(argv.toString()).isEmpty();
                Path dockerfile = REPO.resolve("images").resolve(t.job()).resolve("Dockerfile");
                assertThat(dockerfile).as(t.job()).isRegularFile();
                assertThat(Files.readString(dockerfile)).contains("mlops-" + t.job() + "-runnable.jar");
                assertThat(t.skipOnExitCode()).containsExactly(100);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(2 * (7 + 2 + 1));
    }

    @Test
    void theRetrainParamsReachTrainAsItsOptions() {
        Plan retrain = plans.stream().filter(p -> p.dagId().equals("zone_demand_retrain")).findFirst().orElseThrow();
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("hyperparameters", "{\"max_depth\": 4, \"eta\": 0.05}");
        given.put("tune", "true");
        given.put("window", "21d");
        Templates.Context ctx = new Templates.Context("2024-03-05", "r", Params.resolve(retrain, given));
        List<String> args = retrain.task("train").orElseThrow().arguments().stream().map(a -> Templates.render(a, ctx)).toList();
        assertThat(args).containsExactly("--model", "zone_demand", "--date", "2024-03-05", "--backend", "local", "--window", "21d", "--tune=true",
                "--wait-for-shadow", "--force=false", "--hyperparameters", "{\"eta\": 0.05, \"max_depth\": 4}");
        // the same string the Python plan layer renders (dags/tests/test_plan.py asserts it against Jinja)
        Map<String, Object> p2 = new LinkedHashMap<>(Params.resolve(retrain, Map.of()));
        p2.put("date", "2024-02-01");
        assertThat(Templates.render("{{ params.date or ds }}", new Templates.Context("2024-03-05", "r", p2))).isEqualTo("2024-02-01");
        assertThat(Templates.render("{{ params.date or data_date }}", new Templates.Context("2024-03-05", "r", p2))).isEqualTo("2024-02-01");
    }

    @Test
    void paramsAreCheckedAgainstTheirSchema() {
        Plan retrain = plans.stream().filter(p -> p.dagId().equals("zone_demand_retrain")).findFirst().orElseThrow();
        assertThatThrownBy(() -> Params.resolve(retrain, Map.of("backend", "gpu"))).isInstanceOf(JobException.class)
                .hasMessage("zone_demand_retrain: param 'backend': expected one of [local, sagemaker], got 'gpu'");
        assertThatThrownBy(() -> Params.resolve(retrain, Map.of("window", "2w"))).hasMessageContaining("param 'window': expected text matching");
        assertThatThrownBy(() -> Params.resolve(retrain, Map.of("tune", "yes"))).hasMessageContaining("param 'tune': expected true or false");
        assertThatThrownBy(() -> Params.resolve(retrain, Map.of("date", "2024-13-01"))).hasMessageContaining("expected a date YYYY-MM-DD");
        assertThatThrownBy(() -> Params.resolve(retrain, Map.of("nope", "1"))).hasMessageContaining("unknown param 'nope'; expected one of");
        Plan backfill = plans.stream().filter(p -> p.dagId().equals("zone_demand_backfill")).findFirst().orElseThrow();
        assertThatThrownBy(() -> Params.resolve(backfill, Map.of("from", "2024-03-01"))).hasMessageContaining("param 'to' is required");
    }

    @Test
    void triggerRulesAndBranchesFollowAirflow() {
        Plan daily = plans.stream().filter(p -> p.dagId().equals("zone_demand_daily")).findFirst().orElseThrow();
        Plan.Task quality = daily.task("quality").orElseThrow();
        Plan.Task shadow = daily.task("shadow").orElseThrow();
        Map<String, LocalExecutor.TaskRun> runs = new LinkedHashMap<>();
        runs.put("transform", run("transform", LocalExecutor.State.SKIPPED));
        // transform skipped (no production version): shadow is skipped, quality still runs (none_failed)
        assertThat(LocalExecutor.blockedBy(shadow, runs)).isEqualTo(LocalExecutor.State.SKIPPED);
        assertThat(LocalExecutor.blockedBy(quality, runs)).isNull();
        runs.put("transform", run("transform", LocalExecutor.State.UPSTREAM_FAILED));
        assertThat(LocalExecutor.blockedBy(shadow, runs)).isEqualTo(LocalExecutor.State.UPSTREAM_FAILED);
        assertThat(LocalExecutor.blockedBy(quality, runs)).isEqualTo(LocalExecutor.State.UPSTREAM_FAILED);
        runs.put("transform", run("transform", LocalExecutor.State.SUCCESS));
        assertThat(LocalExecutor.blockedBy(shadow, runs)).isNull();
        assertThat(LocalExecutor.state(shadow, 100)).isEqualTo(LocalExecutor.State.SKIPPED);
        assertThat(LocalExecutor.state(shadow, 3)).isEqualTo(LocalExecutor.State.FAILED);

        Plan.Condition c = daily.task("retrain_decision").orElseThrow().condition();
        assertThat(LocalExecutor.holds(Map.of("decisions", List.of(Map.of("retrain", true))), c)).isTrue();
        assertThat(LocalExecutor.holds(Map.of("decisions", List.of(Map.of("retrain", false))), c)).isFalse();
        assertThat(LocalExecutor.holds(Map.of("decisions", List.of()), c)).isFalse();
        assertThat(LocalExecutor.holds(Map.of(), c)).isFalse();
        // the range prefix: the jobs that take a date range, in their chain from the start
        assertThat(LocalExecutor.rangePrefix(daily)).extracting(Plan.Task::taskId).containsExactly("ingest", "validate", "features");
    }

    @Test
    void tojsonAndLowerRenderAsJinja() {
        Templates.Context ctx = new Templates.Context("2024-03-05", "r1", Map.of("h", Map.of("b", "x,y", "a", List.of(1, 2)), "t", false));
        assertThat(Templates.render("{{ params.h | tojson }}", ctx)).isEqualTo("{\"a\": [1, 2], \"b\": \"x,y\"}");
        assertThat(Templates.render("--t={{ params.t | lower }}", ctx)).isEqualTo("--t=false");
        assertThat(Templates.render("{{ ds_nodash }}-{{run_id}}", ctx)).isEqualTo("20240305-r1");
        // the run's data date: here the date the run is for (Airflow: its data interval's start, see plan.py)
        assertThat(Templates.render("--date={{ data_date }}", ctx)).isEqualTo("--date=2024-03-05");
        assertThat(Templates.render("{{ params.nope or data_date }}", ctx)).isEqualTo("2024-03-05");
        assertThatThrownBy(() -> Templates.render("{{ macros.ds_add(ds, 1) }}", ctx)).hasMessageContaining("not supported");
    }

    @Test
    void aTaskLineShowsTheJobsSummaryOrItsErrorLine() {
        // 100: the job's one-line summary (stdout), not its progress lines (stderr)
        assertThat(LocalExecutor.headline(new LocalExecutor.Invocation(100, "promote m 2024-03-05: nothing to do (exit 100) - v2 not promoted\n",
                "promote m v2: deploy_thresholds passed\n", java.time.Duration.ZERO))).isEqualTo("promote m 2024-03-05: nothing to do (exit 100) - v2 not promoted");
        // a failure: the error line
        assertThat(LocalExecutor.headline(new LocalExecutor.Invocation(3, "validate m 2024-03-05: DATA CONTRACT VIOLATION (exit 3)\n",
                "validating x\nmlops validate: data contract violation: 1 data check failed\n", java.time.Duration.ZERO)))
                .isEqualTo("mlops validate: data contract violation: 1 data check failed");
        assertThat(LocalExecutor.headline(new LocalExecutor.Invocation(0, "", "", java.time.Duration.ZERO))).isEmpty();
    }

    private static LocalExecutor.TaskRun run(String id, LocalExecutor.State s) {
        return new LocalExecutor.TaskRun(id, s, 0, java.time.Duration.ZERO, "", Map.of());
    }
}
