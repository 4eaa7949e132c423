package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.TrainingSets;
import dev.mlops.train.testing.TinyDemand;
import dev.mlops.transform.Predictions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quality job over crafted prediction partitions of the tiny demand model (labels: the events'
 * counts per key and hour, a day late): label coverage and the recomputation when late labels
 * arrive, too few labels (exit 100 with the count), and the consecutive-days rule under backfill
 * order. The versions have no artifacts, so drift is not judged here (see DriftScenarioTest and
 * AttributionDriftTest).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QualityJobTest {
    static final LocalDate D = TinyDemand.D0;
    static final StructType PREDICTIONS = new StructType().add("prediction_id", DataTypes.StringType).add("k", DataTypes.IntegerType)
            .add("event_ts", DataTypes.TimestampType).add("model", DataTypes.StringType).add("alias", DataTypes.StringType)
            .add("score", DataTypes.DoubleType).add("predicted_class", DataTypes.IntegerType).add("slice_part_of_day", DataTypes.StringType)
            .add("scored_at", DataTypes.TimestampType);

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC + """
                quality: {window: 3d, min_labelled: 100, metrics: {mae: {max: 1.0, days: 2}}, new_labels: 100000,
                          bias: {slices: [part_of_day], max_error_gap: 0.5}}
                """);
        Files.writeString(specs.resolve("tb.yaml"), TinyDemand.SPEC.replace("model: tt", "model: tb") + """
                quality: {window: 1d, min_labelled: 100, metrics: {mae: {max: 1.0, days: 3}}, new_labels: 100000}
                """);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        TinyDemand.writeEvents(tp);
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static int production(String model, LocalDate trainedOn) {
        Registry r = new Registry(tp.platform().metadata());
        int v = r.register(new Registry.NewVersion(model, trainedOn, "local", "local:test", "file:///nowhere/" + model + "/{version}", "rmse", 1.0,
                Map.of(), Map.of(), List.of("n_1h"), Map.of(), 1000 + trainedOn.getDayOfMonth()), "test").version();
        r.setAlias(model, Registry.PRODUCTION, v, "test", "first");
        return v;
    }

    /** The label of each key and hour of a date: the events in the bucket (as training counts them). */
    static Map<String, Long> labels(LocalDate date) {
        var spec = tp.platform().specs().load("tt").spec();
        Map<String, Long> out = new HashMap<>();
        for (Row r : new TrainingSets(tp.platform().spark(), tp.platform().lake()).labelEvents(spec, date, date, new ArrayList<>())
                .select("k", "event_ts", "n").collectAsList()) {
            out.put(r.getInt(0) + "@" + r.getTimestamp(1).toLocalDateTime().getHour(), r.getLong(2));
        }
        return out;
    }

    /** A day's production predictions of keys 1..keys x 24 hours: the true count plus an error. */
    static void write(String model, LocalDate date, int version, int keys, double error) {
        Map<String, Long> labels = labels(date);
        List<Row> rows = new ArrayList<>();
        for (int k = 1; k <= keys; k++) {
            for (int h = 0; h < 24; h++) {
                double score = labels.getOrDefault(k + "@" + h, 0L) + error;
                rows.add(RowFactory.create(version + "-" + k + "-" + h, k, Timestamp.valueOf(date.atTime(h, 0)), model, "production", score, null,
                        h < 12 ? "am" : "pm", new Timestamp(System.currentTimeMillis())));
            }
        }
        tp.platform().spark().createDataFrame(rows, PREDICTIONS).coalesce(1).write().mode("overwrite")
                .parquet(Predictions.partition(tp.platform().lake(), model, date, version).toString());
    }

    static TestEnvironment.Output quality(String model, LocalDate date) {
        return TestEnvironment.execute(Cli.commandLine(new QualityCommand(), c -> tp.platform()), "--model", model, "--date", date.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result(String model, LocalDate date) throws Exception {
        return Json.read(Files.readString(tp.platform().results().pathFor("quality", model, date, "all")), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> decision(String model, LocalDate date) throws Exception {
        return ((List<Map<String, Object>>) result(model, date).get("decisions")).get(0);
    }

    static Dataset<Row> metrics(String model, LocalDate predictionDate) {
        return tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.QUALITY, model, predictionDate).toString());
    }

    static double value(String model, LocalDate predictionDate, String metric, String segment) {
        return metrics(model, predictionDate).filter("metric = '" + metric + "' AND segment = '" + segment + "'").first().getDouble(3);
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void withoutAProductionVersionTheFirstIsTrainedOnceATrainingWindowOfLabelsIsDue() throws Exception {
        // the first day: no label is due yet (delay 1d), so nothing to decide: 100 with the count
        TestEnvironment.Output early = quality("tt", D);
        assertThat(early.code()).as(early.out() + early.err()).isEqualTo(100);
        assertThat(early.out()).contains("no production version of tt: 0 label events due").contains("training.min_labelled_rows 300");
        // a training window later: retrain true, the reason and the count in the result, exit 0 (the daily DAG triggers the retrain)
        TestEnvironment.Output o = quality("tt", D.plusDays(9));
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        Map<String, Object> d = decision("tt", D.plusDays(9));
        assertThat(d.get("retrain")).isEqualTo(true);
        assertThat(d.get("model_version")).isNull();
        assertThat((List<String>) d.get("reasons")).singleElement().asString().startsWith("no production version of tt: ")
                .endsWith(": train the first version");
        Map<String, Object> rule = ((List<Map<String, Object>>) d.get("rules")).get(0);
        assertThat(rule.get("rule")).isEqualTo("first_version");
        assertThat(((Number) rule.get("value")).doubleValue()).isGreaterThanOrEqualTo(300);
        assertThat(new dev.mlops.core.audit.AuditLedger(tp.platform().metadata()).log("tt")).anySatisfy(a -> {
            assertThat(a.action()).isEqualTo("quality");
            assertThat(a.decision()).isEqualTo("retrain");
            assertThat(a.version()).isNull();
        });
    }

    @Test
    @Order(2)
    void coverageCountsTheLabelsThatArrivedAndALaterRunRecomputesTheDate() throws Exception {
        int v = production("tt", D.plusDays(2));
        LocalDate d7 = D.plusDays(7);
        LocalDate d8 = D.plusDays(8);
        LocalDate run = D.plusDays(9);
        write("tt", d7, v, 6, 0.5);
        write("tt", d8, v, 6, 0.5);
        // the events of d8 (its labels) have not arrived yet
        tp.platform().lake().delete(tp.platform().lake().partition("validated", "ev", d8));
        TestEnvironment.Output first = quality("tt", run);
        // no labels on the latest due date and no drift to judge (the version has no profile): no verdict
        assertThat(first.code()).as(first.out() + first.err()).isEqualTo(100);
        assertThat(first.out()).contains("0 labelled predictions on the latest due prediction date " + d8 + " < 100 (quality.min_labelled)")
                .contains("has no reference profile");
        assertThat(value("tt", d8, "predictions", "all")).isEqualTo(144.0);
        assertThat(value("tt", d8, "labelled", "all")).isEqualTo(0.0);
        assertThat(value("tt", d8, "label_coverage", "all")).isEqualTo(0.0);
        assertThat(metrics("tt", d8).filter("metric = 'mae'").count()).isZero();
        // the day before is fully labelled: every prediction is its count + 0.5
        assertThat(value("tt", d7, "label_coverage", "all")).isEqualTo(1.0);
        assertThat(value("tt", d7, "mae", "all")).isCloseTo(0.5, within(1e-9));
        assertThat(value("tt", d7, "rmse", "all")).isCloseTo(0.5, within(1e-9));
        assertThat(value("tt", d7, "bias", "all")).isCloseTo(0.5, within(1e-9));
        assertThat(value("tt", d7, "label_coverage", "part_of_day=am")).isEqualTo(1.0);
        assertThat(value("tt", d7, "error_gap", "part_of_day")).isCloseTo(0.0, within(1e-9));
        assertThat(metrics("tt", d7).first().getInt(0)).isEqualTo(v);

        // the labels arrive; the next run recomputes d8 and replaces its partition
        TinyDemand.writeEvents(tp);
        TestEnvironment.Output second = quality("tt", run);
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        assertThat(value("tt", d8, "labelled", "all")).isEqualTo(144.0);
        assertThat(value("tt", d8, "label_coverage", "all")).isEqualTo(1.0);
        assertThat(value("tt", d8, "mae", "all")).isCloseTo(0.5, within(1e-9));
        assertThat(metrics("tt", d8).select("as_of").distinct().count()).isEqualTo(1);
        assertThat(metrics("tt", d8).filter("metric = 'labelled' AND segment = 'all'").count()).isEqualTo(1);
        Map<String, Object> d = decision("tt", run);
        assertThat(d).containsEntry("decision", "no_retrain").containsEntry("retrain", false).containsEntry("model_version", v);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules = (List<Map<String, Object>>) d.get("rules");
        assertThat(rules).extracting(r -> r.get("rule")).containsExactly("metric_limit", "new_labels");
        assertThat(rules.get(0)).containsEntry("metric", "mae").containsEntry("threshold", 1.0).containsEntry("comparison", ">")
                .containsEntry("days", 0).containsEntry("required_days", 2).containsEntry("fired", false);
        assertThat((Double) rules.get(0).get("value")).isCloseTo(0.5, within(1e-9));
        assertThat((List<?>) d.get("not_judged")).singleElement().asString().startsWith("drift: version " + v + " has no reference profile");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> evaluated = (List<Map<String, Object>>) ((Map<String, Object>) result("tt", run).get("counts")).get("evaluated");
        assertThat(evaluated).extracting(m -> m.get("date")).containsExactly(d7.toString(), d8.toString());
        // the verdict is in the audit ledger, and the decisions table
        // (besides the bootstrap decision of order 1, which has no version)
        List<AuditEntry> entries = new AuditLedger(tp.platform().metadata()).log("tt").stream()
                .filter(x -> x.action().equals("quality") && x.version() != null).toList();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).decision()).isEqualTo("no_retrain");
        assertThat(entries.get(0).version()).isEqualTo(v);
        assertThat(entries.get(0).evidenceJson()).contains("\"metric_limit\"").contains("\"latest_due_date\":\"" + d8 + "\"");
        Dataset<Row> decisions = tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.DECISIONS, "tt", run)
                .toString());
        assertThat(decisions.filter("rule = 'retrain'").first().getBoolean(decisions.schema().fieldIndex("retrain"))).isFalse();
        assertThat(decisions.count()).isEqualTo(3);
        // every stored value has a gauge
        String prom = Files.readString(tp.platform().results().pathFor("quality", "tt", run, "all").resolveSibling(run + ".prom"));
        assertThat(prom).contains("mlops_quality_metric{").contains("metric=\"mae\"").contains("prediction_date=\"" + d8 + "\"")
                .contains("mlops_quality_retrain{");
    }

    @Test
    @Order(3)
    void tooFewLabelledPredictionsIsNoVerdictWithTheCount() {
        int v = new Registry(tp.platform().metadata()).alias("tt", Registry.PRODUCTION).orElseThrow();
        LocalDate d4 = D.plusDays(4);
        // two keys only: 48 predictions, all labelled, fewer than quality.min_labelled (100)
        write("tt", d4, v, 2, 0.5);
        TestEnvironment.Output o = quality("tt", d4.plusDays(1));
        assertThat(o.code()).as(o.out() + o.err()).isEqualTo(100);
        assertThat(o.out()).contains("nothing to judge for tt v" + v).contains("48 labelled predictions on the latest due prediction date " + d4
                + " < 100 (quality.min_labelled); no verdict");
        assertThat(value("tt", d4, "label_coverage", "all")).isEqualTo(1.0);
        assertThat(new AuditLedger(tp.platform().metadata()).log("tt").stream().filter(x -> x.action().equals("quality") && x.version() != null)
                .count()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void theConsecutiveDaysRuleLooksAtDatesNotAtTheOrderOfRuns() throws Exception {
        int v = production("tb", D.plusDays(2));
        // the mean absolute error is 2 (over the limit 1.0) on d5, d6 and d7, 0.5 on d4 and d8
        for (int day = 4; day <= 8; day++) {
            write("tb", D.plusDays(day), v, 6, day >= 5 && day <= 7 ? 2.0 : 0.5);
        }
        // each run evaluates one prediction date (window 1d): the day before the run. Runs out of order:
        // d7 first, then the backfill of d5 and d6, then d7 again
        Map<String, Object> d7 = run("tb", D.plusDays(8));
        assertThat(d7).containsEntry("retrain", false);
        assertThat(rule(d7, "metric_limit")).containsEntry("days", 1).containsEntry("fired", false);
        assertThat(rule(run("tb", D.plusDays(6)), "metric_limit")).containsEntry("days", 1);
        assertThat(rule(run("tb", D.plusDays(7)), "metric_limit")).containsEntry("days", 2).containsEntry("fired", false);
        Map<String, Object> again = run("tb", D.plusDays(8));
        assertThat(again).containsEntry("retrain", true).containsEntry("decision", "retrain");
        Map<String, Object> limit = rule(again, "metric_limit");
        assertThat(limit).containsEntry("days", 3).containsEntry("required_days", 3).containsEntry("fired", true);
        @SuppressWarnings("unchecked")
        List<Object> dates = (List<Object>) ((Map<String, Object>) limit.get("evidence")).get("dates");
        assertThat(dates).containsExactly(D.plusDays(5).toString(), D.plusDays(6).toString(), D.plusDays(7).toString());
        assertThat((List<?>) again.get("reasons")).singleElement().asString().startsWith("mae 2.0000 on 3 consecutive prediction dates");
        // a good day ends the streak; a re-run of the backfilled day still sees the same dates
        assertThat(run("tb", D.plusDays(9))).containsEntry("retrain", false);
        assertThat(rule(run("tb", D.plusDays(7)), "metric_limit")).containsEntry("days", 2);
        assertThat(new AuditLedger(tp.platform().metadata()).log("tb").stream().filter(x -> x.action().equals("quality")).map(AuditEntry::decision)
                .toList()).containsExactly("no_retrain", "no_retrain", "no_retrain", "retrain", "no_retrain", "no_retrain");
        Dataset<Row> decisions = tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.DECISIONS, "tb",
                D.plusDays(8)).toString());
        Row fired = decisions.filter("rule = 'metric_limit'").first();
        assertThat(fired.getInt(fired.fieldIndex("days"))).isEqualTo(3);
        assertThat(fired.getBoolean(fired.fieldIndex("fired"))).isTrue();
        assertThat(fired.getDouble(fired.fieldIndex("threshold"))).isEqualTo(1.0);
    }

    static Map<String, Object> run(String model, LocalDate date) throws Exception {
        TestEnvironment.Output o = quality(model, date);
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        return decision(model, date);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> rule(Map<String, Object> decision, String name) {
        return ((List<Map<String, Object>>) decision.get("rules")).stream().filter(r -> r.get("rule").equals(name)).findFirst().orElseThrow();
    }
}
