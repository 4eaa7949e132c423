package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.cli.MonitoringNames.Check;
import dev.mlops.cli.MonitoringNames.Emitted;
import dev.mlops.cli.MonitoringNames.Query;
import dev.mlops.cli.MonitoringNames.Rules;
import dev.mlops.core.testing.TestEnvironment;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring files (terraform/modules/monitoring: the Prometheus rules, their promtool tests, the
 * Grafana dashboard) use only metric names the jobs really emit. The names come from a real run, not a
 * list: the tiny demand model goes through ingest and validate (one day from a landing file), features,
 * train (twice: production, then a candidate), transform, shadow, quality and promote, in
 * process ({@link TinyLifecycle}, shared with AthenaViewsTest), and the metric names and their labels
 * are read from the Prometheus text files those runs wrote under results/. With promtool on PATH
 * (Debian's prometheus package; make monitoring-check installs it) the rules are also checked and
 * unit-tested by promtool, and the dashboard's queries parsed by it.
 */
class MonitoringRulesTest {
    static final Path REPO = TestEnvironment.specsDir().getParent().getParent();
    static final Path MONITORING = REPO.resolve("terraform/modules/monitoring");
    static final Path RULES = MONITORING.resolve("rules/mlops.rules.yml");
    static final Path RULE_TESTS = MONITORING.resolve("rules/mlops.rules.test.yml");
    static final Path DASHBOARD = MONITORING.resolve("dashboards/mlops.json");

    static final LocalDate LAST = TinyLifecycle.LAST;
    static final LocalDate BEFORE = TinyLifecycle.BEFORE;
    static final LocalDate EXTRA = TinyLifecycle.EXTRA;

    static TinyLifecycle life;
    static Emitted emitted;

    @BeforeAll
    static void runTheJobs() throws Exception {
        life = TinyLifecycle.get();
        Path results = life.home.resolve("results");
        assertThat(results).as("no run wrote results:\n" + life.describeRuns()).isDirectory();
        emitted = MonitoringNames.emitted(results);
    }

    @Test
    void everyJobRanAndWroteItsMetrics() {
        Map<String, Set<Integer>> expected = new LinkedHashMap<>();
        expected.put("ingest " + EXTRA, Set.of(0));
        expected.put("validate " + EXTRA, Set.of(0));
        expected.put("features " + LAST, Set.of(0));
        expected.put("train " + BEFORE, Set.of(0));
        expected.put("train " + LAST, Set.of(0));
        expected.put("transform " + BEFORE, Set.of(0));
        expected.put("shadow " + BEFORE, Set.of(0, 100));     // one day of one period: passed or not, it compared
        expected.put("quality " + LAST, Set.of(0));         // judged: its quality, drift and retrain gauges are there
        expected.put("promote " + LAST, Set.of(0, 100));
        expected.put("audit verify", Set.of(0));
        assertThat(life.runs.keySet().stream().filter(k -> !k.startsWith("audit export "))).containsExactlyElementsOf(expected.keySet());
        expected.forEach((run, codes) -> assertThat(codes).as(life.describeRuns()).contains(life.runs.get(run).code()));
        life.runs.forEach((run, o) -> assertThat(!run.startsWith("audit export ") || o.code() == 0).as(life.describeRuns()).isTrue());
        for (String job : List.of("ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote")) {
            assertThat(emitted.files()).as("a .prom file of " + job).anyMatch(f -> f.toString().contains("/results/" + job + "/tt/"));
        }
        assertThat(emitted.files()).as("the audit check's .prom").anyMatch(f -> f.toString().contains("/results/audit/_ledger/"));
        System.out.println("MonitoringRulesTest: metric names emitted (" + emitted.files().size() + " .prom files):");
        emitted.labels().forEach((name, labels) -> System.out.println("  " + name + " " + labels));
        // the parse saw what docs/metrics.md describes
        assertThat(emitted.labels().get("mlops_job_exit_code")).containsExactly("data_date", "job", "model");
        assertThat(emitted.names()).contains("mlops_job_duration_seconds_count", "mlops_job_duration_seconds_sum",
                "mlops_job_duration_seconds_max", "mlops_job_last_finished_timestamp_seconds", "mlops_rows_in_total",
                "mlops_rows_out_total", "mlops_rows_rejected_total");
        assertThat(emitted.types()).containsEntry("mlops_job_duration_seconds", "summary").containsEntry("mlops_rows_in_total", "counter");
    }

    static String report(String what, Check c) {
        return what + " use metric names the jobs do not emit: " + c.missing() + "\n  " + String.join("\n  ", c.problems())
                + "\nemitted: " + emitted.names();
    }

    @Test
    void theRulesUseOnlyEmittedMetrics() {
        Rules rules = MonitoringNames.rules(MonitoringNames.read(RULES), REPO.relativize(RULES).toString());
        assertThat(rules.queries()).hasSizeGreaterThan(10);
        Check c = MonitoringNames.check(emitted, rules.recorded(), rules.queries());
        assertThat(c.problems()).as(report("the rules", c)).isEmpty();
        // the alerts of issue 10 are there: failed run, did not run, validation gate, drift, quality, retrain
        assertThat(c.used()).contains("mlops_job_exit_code", "mlops_job_last_finished_timestamp_seconds", "mlops_dq_checks_total",
                "mlops_drift", "mlops_quality_rule_value", "mlops_quality_rule_fired", "mlops_quality_retrain", "mlops_audit_chain_ok");
    }

    @Test
    void theDashboardUsesOnlyEmittedMetrics() {
        List<Query> queries = MonitoringNames.dashboard(MonitoringNames.read(DASHBOARD), REPO.relativize(DASHBOARD).toString());
        assertThat(queries).hasSizeGreaterThan(20);
        // self-contained: no recorded series, so it works over a Prometheus without the rules too
        Check c = MonitoringNames.check(emitted, Set.of(), queries);
        assertThat(c.problems()).as(report("the dashboard", c)).isEmpty();
        assertThat(c.used()).contains("mlops_job_exit_code", "mlops_job_duration_seconds_sum", "mlops_rows_in_total", "mlops_rows_out_total",
                "mlops_dq_checks_total", "mlops_shadow_metric", "mlops_quality_metric", "mlops_drift", "mlops_quality_retrain");
    }

    @Test
    void thePromtoolTestsFeedOnlySeriesTheJobsEmit() {
        List<Query> series = MonitoringNames.promtoolSeries(MonitoringNames.read(RULE_TESTS), REPO.relativize(RULE_TESTS).toString());
        assertThat(series).hasSizeGreaterThan(10);
        Check c = MonitoringNames.check(emitted, Set.of(), series);
        assertThat(c.problems()).as(report("the promtool tests' input series", c)).isEmpty();
    }

    @Test
    void aRuleOverAMetricNoJobEmitsIsNamed() {
        String rules = """
                groups:
                  - name: bad
                    rules:
                      - alert: Fine
                        expr: mlops_job_exit_code{job="validate"} == 3
                      - alert: Typo
                        expr: sum by (model) (rate(mlops_rows_rejected[1h])) / on (model) sum by (model) (mlops_rows_in_total) > 0.1
                      - alert: Invented
                        expr: mlops_audit_chain_broken == 1 and on (model) mlops_job_exit_code{job="audit", jobname="verify"} == 3
                """;
        Rules r = MonitoringNames.rules(rules, "bad.yml");
        Check c = MonitoringNames.check(emitted, r.recorded(), r.queries());
        assertThat(c.missing()).containsExactly("mlops_audit_chain_broken", "mlops_rows_rejected");
        assertThat(c.problems()).containsExactly(
                "bad.yml group bad alert Typo: mlops_rows_rejected is not emitted by any job run",
                "bad.yml group bad alert Invented: mlops_audit_chain_broken is not emitted by any job run",
                "bad.yml group bad alert Invented: mlops_job_exit_code has no label jobname (its labels: [data_date, job, model])");
    }

    @Test
    void promtoolChecksAndTestsTheRulesAndParsesTheDashboard(@TempDir Path tmp) throws Exception {
        Optional<Path> promtool = onPath("promtool");
        if (promtool.isEmpty()) {
            System.out.println("MonitoringRulesTest: skipped promtool check rules / test rules: no promtool on PATH "
                    + "(Debian's prometheus package has it; make monitoring-check installs it and runs this)");
        }
        Assumptions.assumeTrue(promtool.isPresent(), "no promtool on PATH");
        String check = promtool(promtool.get(), RULES.getParent(), "check", "rules", RULES.getFileName().toString());
        assertThat(check).contains("SUCCESS");
        String test = promtool(promtool.get(), RULES.getParent(), "test", "rules", RULE_TESTS.getFileName().toString());
        assertThat(test).contains("SUCCESS");
        // the dashboard's queries as recording rules, so promtool parses each
        StringBuilder yaml = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (Query q : MonitoringNames.dashboard(MonitoringNames.read(DASHBOARD), "dashboard")) {
            yaml.append("      - record: dashboard:query_").append(++n).append("\n        expr: ")
                    .append(MonitoringNames.JSON.writeValueAsString(q.expr())).append('\n');
        }
        Files.writeString(tmp.resolve("dashboard.rules.yml"), yaml);
        assertThat(promtool(promtool.get(), tmp, "check", "rules", "dashboard.rules.yml")).contains("SUCCESS: " + n + " rules found");
    }

    static Optional<Path> onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Paths.get(dir).resolve(tool);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static String promtool(Path promtool, Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(promtool.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        System.out.println("MonitoringRulesTest: promtool " + String.join(" ", args) + "\n" + out.strip());
        assertThat(done && p.exitValue() == 0).as("promtool " + String.join(" ", args) + ":\n" + out).isTrue();
        return out;
    }
}
