package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.cli.MonitoringNames.Check;
import dev.mlops.cli.MonitoringNames.Emitted;
import dev.mlops.cli.MonitoringNames.Query;
import dev.mlops.cli.MonitoringNames.Rules;
import dev.mlops.core.cli.Cli;
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

    // ---- mlops report over the same run (issue 9's demo summary and HTML report): no lifecycle of its own

    @Test
    void theReportShowsWhatTheJobsWrote() throws Exception {
        Path file = life.home.resolve("report/tt.html");
        long started = System.nanoTime();
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new MlopsCommand(), c -> life.tp.platform()),
                "report", "--model", "tt", "--out", file.toString());
        System.out.println("MonitoringRulesTest: mlops report in " + (System.nanoTime() - started) / 1_000_000 + " ms:\n" + o.out());
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        assertThat(o.out().strip()).endsWith("report: " + file.toAbsolutePath().normalize());
        String html = Files.readString(file);
        // kept for a look in a browser (the temp home goes away)
        Files.copy(file, Files.createDirectories(Paths.get("target")).resolve("mlops-report-MonitoringRulesTest.html"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ReportTables t = ReportTables.read(life.tp.platform(), "tt");

        // one self-contained page: every section, charts inline, nothing to fetch
        for (String section : List.of("versions", "quality", "drift", "shadow", "validation", "timeline")) {
            assertThat(html).contains("id=\"tt-" + section + "\" data-section=\"" + section + "\"");
        }
        assertThat(html).doesNotContain("class=\"missing\"").doesNotContain("<script").doesNotContain("<link").doesNotContain(" src=");
        assertThat(count(html, "<figure class=\"chart\" data-chart=\"quality:")).isPositive();
        assertThat(count(html, "<figure class=\"chart\"")).isEqualTo(count(html, "<svg "));
        assertThat(html).contains("data-chart=\"quality:rmse\"", "data-chart=\"shadow:agreement\"", "data-chart=\"validation:checks\"");

        // versions: the registry's, with their aliases
        List<dev.mlops.core.registry.Registry.Version> versions = new dev.mlops.core.registry.Registry(life.tp.metadata()).list("tt");
        assertThat(versions).hasSize(2);
        assertThat(count(html, "<tr class=\"version\"")).isEqualTo(2);
        for (var v : versions) {
            assertThat(html).contains("<tr class=\"version\" data-version=\"" + v.version() + "\"><td>v" + v.version() + "</td><td>" + v.status());
            assertThat(o.out()).contains("v" + v.version() + " " + v.status());
        }

        // quality: the day's rmse of quality_metrics, in the table and the summary
        assertThat(t.rmse).isNotNull();
        String rmse = String.format(java.util.Locale.ROOT, "%.4f", t.rmse);
        assertThat(html).contains("<tr class=\"quality-day\" data-date=\"" + BEFORE + "\"");
        assertThat(html).contains("data-metric=\"rmse\">" + rmse + "</td>");
        assertThat(o.out()).contains("latest quality: " + BEFORE + " (v" + t.rmseVersion + "): rmse " + rmse);

        // drift: one cell per feature (and the prediction) of drift_metrics, the drifted ones marked, the day's count
        assertThat(count(html, "<td class=\"drift-cell")).isEqualTo(t.driftCells);
        assertThat(count(html, "<tr class=\"drift-feature\"")).isEqualTo(t.driftFeatures);
        assertThat(count(html, "<td class=\"drift-cell drifted\"")).isEqualTo(t.drifted);
        assertThat(html).contains("<td data-date=\"" + LAST + "\">" + t.driftedFeatures + "/" + t.features + "</td>");
        assertThat(count(html, "<tr class=\"decision-rule")).isEqualTo(t.rules);
        assertThat(o.out()).contains("drift alerts: " + (t.driftAlert ? 1 : 0) + " of 1 judged day(s)")
                .contains("retrain decisions: " + (t.retrain ? "1 (" + LAST + ")" : "0"));

        // shadow: the day's agreement of shadow_results
        String agreement = String.format(java.util.Locale.ROOT, "%.4f", t.agreement);
        assertThat(html).contains("<tr class=\"shadow-day\" data-date=\"" + BEFORE + "\" data-agreement=\"" + agreement + "\"");
        assertThat(count(html, "<tr class=\"shadow-day\"")).isEqualTo(1);
        assertThat(o.out()).contains("shadow: 1 day(s); latest " + BEFORE + " v1 vs v2 agreement " + agreement + " on " + t.pairs + " events");

        // validation: the day's checks of dq_results
        assertThat(html).contains("data-date=\"" + EXTRA + "\" data-passed=\"" + t.checksPassed + "\" data-failed=\"" + t.checksFailed + "\"");
        assertThat(o.out()).contains("validation: 1 day(s), 1 dataset(s), " + (t.checksPassed + t.checksFailed) + " checks, " + t.checksFailed + " failed");

        // the timeline: every audit entry of the model, in order
        List<dev.mlops.core.audit.AuditEntry> log = new dev.mlops.core.audit.AuditLedger(life.tp.metadata()).log("tt");
        assertThat(count(html, "<tr class=\"audit-entry")).isEqualTo(log.size());
        List<String> seqs = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<tr class=\"audit-entry[^\"]*\" data-seq=\"(\\d+)\" data-action=\"([a-z_]+)\"").matcher(html);
        while (m.find()) {
            seqs.add(m.group(1) + " " + m.group(2));
        }
        assertThat(seqs).containsExactlyElementsOf(log.stream().map(e -> e.seq() + " " + e.action()).toList());
        assertThat(seqs).anyMatch(s -> s.endsWith(" validate")).anyMatch(s -> s.endsWith(" register")).anyMatch(s -> s.endsWith(" shadow"))
                .anyMatch(s -> s.endsWith(" quality")).anyMatch(s -> s.endsWith(" promote"));
        long promotions = log.stream().filter(e -> "production".equals(e.decision()) && !"rollback".equals(e.action())).count();
        assertThat(promotions).isPositive();
        assertThat(o.out()).contains("promotions: " + promotions + " (v1 ").contains("rollbacks: 0;").contains("audit entries: " + log.size());
    }

    @Test
    void theReportSaysWhatIsNotThereYetAndRefusesBadUsage() throws Exception {
        // a range with no data: every lake section says so, the registry is still shown; the default file under the home
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new MlopsCommand(), c -> life.tp.platform()),
                "report", "--from", "2030-01-01", "--to", "2030-01-31");
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        Path file = life.home.resolve("reports/mlops-report.html");
        assertThat(o.out()).contains("report: " + file.toAbsolutePath().normalize()).contains("shadow: none yet (no shadow_results partition of tt between 2030-01-01 and 2030-01-31");
        String html = Files.readString(file);
        assertThat(count(html, "<p class=\"missing\">Nothing yet: ")).isEqualTo(5);   // quality, drift, shadow, validation, timeline
        assertThat(html).contains("no quality_metrics partition of tt", "no drift_metrics partition", "no dq_results partition",
                "the audit ledger has no entry for tt").contains("<tr class=\"version\" data-version=\"1\"");

        TestEnvironment.Output unknown = TestEnvironment.execute(Cli.commandLine(new MlopsCommand(), c -> life.tp.platform()),
                "report", "--model", "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no spec for model 'nope'").contains(life.home.resolve("specs").toString()).contains("[tt]");
        TestEnvironment.Output backwards = TestEnvironment.execute(Cli.commandLine(new MlopsCommand(), c -> life.tp.platform()),
                "report", "--from", "2024-04-05", "--to", "2024-04-01");
        assertThat(backwards.code()).isEqualTo(2);
        assertThat(backwards.err()).contains("--to 2024-04-01 is before --from 2024-04-05");
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    /** What the report must show, read from the lake with plain Spark SQL (not the report's reader). */
    static final class ReportTables {
        Double rmse;
        int rmseVersion;
        int driftCells;
        int driftFeatures;
        int drifted;
        long features;
        long driftedFeatures;
        int rules;
        boolean driftAlert;
        boolean retrain;
        double agreement;
        long pairs;
        long checksPassed;
        long checksFailed;

        static ReportTables read(dev.mlops.core.Platform p, String model) {
            var spark = p.spark();
            String lake = p.lake().root().toString();
            ReportTables t = new ReportTables();
            var q = spark.read().parquet(lake + "/quality_metrics/dt=" + BEFORE + "/model=" + model)
                    .where("metric = 'rmse' AND segment = 'all'").collectAsList();
            assertThat(q).hasSize(1);
            t.rmse = q.get(0).getAs("value");
            t.rmseVersion = q.get(0).<Integer>getAs("model_version");
            var d = spark.read().parquet(lake + "/drift_metrics/dt=" + LAST + "/model=" + model).where("kind IN ('feature', 'prediction')");
            t.driftCells = (int) d.count();
            t.driftFeatures = (int) d.select("feature").distinct().count();
            t.drifted = (int) d.where("drifted").count();
            t.features = d.where("kind = 'feature'").count();
            t.driftedFeatures = d.where("kind = 'feature' AND drifted").count();
            var dec = spark.read().parquet(lake + "/decisions/dt=" + LAST + "/model=" + model);
            t.rules = (int) dec.where("rule <> 'retrain'").count();
            t.driftAlert = dec.where("rule = 'drift_share' AND fired").count() > 0;
            t.retrain = dec.where("rule = 'retrain' AND retrain").count() > 0;
            var s = spark.read().parquet(lake + "/shadow_results/dt=" + BEFORE + "/model=" + model).where("segment = 'all'");
            t.agreement = s.where("metric = 'agreement'").first().<Double>getAs("value");
            t.pairs = Math.round(s.where("metric = 'pairs'").first().<Double>getAs("value"));
            var dq = spark.read().parquet(lake + "/dq_results/dt=" + EXTRA + "/dataset=ev").where("model = '" + model + "'");
            t.checksPassed = dq.where("status = 'passed'").count();
            t.checksFailed = dq.where("status <> 'passed'").count();
            return t;
        }
    }
}
