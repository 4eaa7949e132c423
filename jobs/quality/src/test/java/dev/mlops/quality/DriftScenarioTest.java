package dev.mlops.quality;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.Drift;
import dev.mlops.datagen.DriftKind;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.TrainCommand;
import dev.mlops.transform.TransformCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's drift scenario for trip_risk: from a date on, the telematics report speeds in
 * mph ({@code --drift speed_mph@D}). A version trained on the days before is judged on the last
 * day before the drift (quiet) and on the first day of it (the speed features drift, so does the
 * drivers' 3-day maximum speed, and the retrain rule fires). Its predictions of the due dates are
 * joined with per-trip labels (a claim within the delay) as the claims arrive.
 *
 * <p>The shipped spec is shortened to fit two weeks of data: the label delay 30d -> 4d (a claim
 * within 4 days), the driver-history windows 7d/30d -> 3d (so the days after the first three hold
 * full windows, as in steady state; the quality window 7d becomes 3d too), the training window 28d -> 5d. The generated files go straight
 * to validated/ (ingest and validate have their own tests; validate's mean-speed check would stop the
 * mph day before the features, which is the first line of defence; here the quality job is the one
 * that has to see it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftScenarioTest {
    static final LocalDate D1 = LocalDate.of(2024, 2, 5);
    static final LocalDate TRAIN = D1.plusDays(11);
    static final LocalDate QUIET = D1.plusDays(12);
    static final LocalDate DRIFT = D1.plusDays(13);
    /** The latest prediction date whose labels (claims within 4 days) are due by QUIET. */
    static final LocalDate DUE = QUIET.minusDays(4);

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        String yaml = Files.readString(TestEnvironment.specsDir().resolve("trip_risk.yaml"));
        for (String s : List.of("delay: 30d", "window: 30d", "window: 7d", "ttl: 30d", "window: 28d", "min_labelled_rows: 2000")) {
            assertThat(yaml).contains(s);
        }
        Files.writeString(specs.resolve("trip_risk.yaml"), yaml.replace("delay: 30d", "delay: 4d").replace("window: 30d", "window: 3d")
                .replace("window: 7d", "window: 3d").replace("ttl: 30d", "ttl: 4d").replace("window: 28d", "window: 5d")
                .replace("min_labelled_rows: 2000", "min_labelled_rows: 300"));
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        new DataGenerator(new GeneratorOptions(D1, DRIFT, Set.of(ModelKind.TRIP_RISK), 5, 0.25, List.of(new Drift(DriftKind.SPEED_MPH, DRIFT)),
                List.of())).writeLanding(Paths.get(tp.platform().config().landingUri()));
        toValidated("trips", "json");
        toValidated("claims", "csv");
        ok(TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "trip_risk", "--from", D1.toString(), "--to", DRIFT.toString(), "--no-online", "--chunk-days", "14"));
        ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()), "--model", "trip_risk", "--date", TRAIN.toString()));
        Registry registry = new Registry(tp.platform().metadata());
        int v = registry.list("trip_risk").get(0).version();
        registry.setAlias("trip_risk", Registry.PRODUCTION, v, "test", "the version to judge");
        for (LocalDate d : List.of(DUE.minusDays(1), DUE, QUIET, DRIFT)) {
            ok(TestEnvironment.execute(Cli.commandLine(new TransformCommand(), c -> tp.platform()), "--model", "trip_risk", "--date", d.toString()));
        }
    }

    @AfterAll
    static void tearDown() {
        if (tp != null) {
            tp.close();
        }
    }

    /** All the generated files of a dataset in one pass, written as its validated partitions (dt from the file's folder). */
    static void toValidated(String dataset, String format) {
        DatasetSpec ds = tp.platform().specs().load("trip_risk").spec().dataset(dataset);
        Path dir = Paths.get(tp.platform().config().landingUri()).resolve(dataset);
        var reader = tp.platform().spark().read().option("recursiveFileLookup", "true");
        Dataset<Row> raw = "csv".equals(format) ? reader.option("header", "true").csv(dir.toString()) : reader.json(dir.toString());
        List<Column> cols = new ArrayList<>();
        for (ColumnSpec c : ds.columns()) {
            cols.add(col(c.name()).cast(c.type().sqlType()).alias(c.name()));
        }
        cols.add(org.apache.spark.sql.functions.regexp_extract(org.apache.spark.sql.functions.input_file_name(),
                "/(\\d{4}-\\d{2}-\\d{2})/[^/]+$", 1).alias("dt"));
        raw.select(cols.toArray(Column[]::new)).write().mode("overwrite").partitionBy("dt")
                .parquet(tp.platform().lake().table("validated", dataset).toString());
    }

    static TestEnvironment.Output ok(TestEnvironment.Output o) {
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        return o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> judge(LocalDate date) throws Exception {
        ok(TestEnvironment.execute(Cli.commandLine(new QualityCommand(), c -> tp.platform()), "--model", "trip_risk",
                "--date", date.toString()));
        return Json.read(Files.readString(tp.platform().results().pathFor("quality", "trip_risk", date, "all")), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> rule(Map<String, Object> result, String name) {
        Map<String, Object> d = ((List<Map<String, Object>>) result.get("decisions")).get(0);
        return ((List<Map<String, Object>>) d.get("rules")).stream().filter(r -> r.get("rule").equals(name)).findFirst().orElseThrow();
    }

    static Row feature(LocalDate date, String name) {
        return tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.DRIFT, "trip_risk", date).toString())
                .filter(col("feature").equalTo(name)).first();
    }

    static double value(LocalDate predictionDate, String metric) {
        return tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.QUALITY, "trip_risk", predictionDate)
                .toString()).filter("segment = 'all' AND metric = '" + metric + "'").first().getDouble(3);
    }

    @Test
    @Order(1)
    void anExistsLabelIsKnownWhenPositiveOrOnceEveryClaimsDayOfItsWindowIsIn() throws Exception {
        // the claims filed 4 days after DUE have not arrived: a trip of DUE is known positive if its claim is in, else unknown
        Path claims = Path.of(java.net.URI.create(tp.platform().lake().partition("validated", "claims", DUE.plusDays(4)).toString()));
        Path aside = home.resolve("claims-aside");
        Files.move(claims, aside);
        judge(QUIET);
        assertThat(value(DUE, "labelled")).isEqualTo(value(DUE, "positives")).isGreaterThan(0);
        assertThat(value(DUE, "label_coverage")).isLessThan(0.05);
        // the day before: only the trips that end after midnight reach into the missing day
        assertThat(value(DUE.minusDays(1), "label_coverage")).isGreaterThan(0.9).isLessThan(1.0);
        // the claims arrive: the next run recomputes both dates, every label known
        Files.move(aside, claims);
        Map<String, Object> r = judge(QUIET);
        for (LocalDate d : List.of(DUE.minusDays(1), DUE)) {
            assertThat(value(d, "label_coverage")).as(d.toString()).isEqualTo(1.0);
            assertThat(value(d, "labelled")).isEqualTo(value(d, "predictions")).isGreaterThan(200);
            assertThat(value(d, "roc_auc")).isBetween(0.0, 1.0);
        }
        // the latest due date has enough labels: the metric limit (roc_auc >= 0.6 for 3 days) is judged
        assertThat(rule(r, "metric_limit")).containsEntry("metric", "roc_auc").containsEntry("required_days", 3);
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void theDayBeforeTheDriftIsQuiet() throws Exception {
        Map<String, Object> r = judge(QUIET);
        Map<String, Object> drift = (Map<String, Object>) ((Map<String, Object>) r.get("counts")).get("drift");
        assertThat(drift).containsEntry("judged", true).containsEntry("features", 16);
        assertThat((List<?>) drift.get("drifted")).isEmpty();
        assertThat(rule(r, "drift_share")).containsEntry("fired", false).containsEntry("value", 0.0);
        Row speed = feature(QUIET, "avg_speed_kph");
        assertThat(speed.getDouble(speed.fieldIndex("psi"))).isLessThan(0.05);
        assertThat(speed.getBoolean(speed.fieldIndex("drifted"))).isFalse();
    }

    @Test
    @Order(3)
    @SuppressWarnings("unchecked")
    void theMphDayDriftsAndTheRetrainRuleFires() throws Exception {
        Map<String, Object> r = judge(DRIFT);
        Map<String, Object> drift = (Map<String, Object>) ((Map<String, Object>) r.get("counts")).get("drift");
        assertThat((List<String>) drift.get("drifted")).contains("avg_speed_kph", "max_speed_kph");
        Map<String, Object> share = rule(r, "drift_share");
        assertThat(share).containsEntry("fired", true);
        assertThat((Double) share.get("value")).isGreaterThan(0.1);
        Map<String, Object> d = ((List<Map<String, Object>>) r.get("decisions")).get(0);
        assertThat(d).containsEntry("retrain", true);
        assertThat((List<String>) d.get("reasons")).anyMatch(x -> x.contains("features drifted") && x.contains("avg_speed_kph"));
        for (String f : List.of("avg_speed_kph", "max_speed_kph")) {
            Row row = feature(DRIFT, f);
            // speeds divided by 1.609: most of the day's trips fall in the reference's lowest deciles
            assertThat(row.getDouble(row.fieldIndex("psi"))).as(f).isGreaterThan(1.0);
            assertThat(row.getDouble(row.fieldIndex("ks_statistic"))).as(f).isGreaterThan(0.4);
            assertThat(row.getDouble(row.fieldIndex("ks_p_value"))).as(f).isLessThan(1e-10);
            assertThat(row.getBoolean(row.fieldIndex("ks_significant"))).isTrue();
            assertThat(row.getDouble(row.fieldIndex("mean")) / row.getDouble(row.fieldIndex("reference_mean"))).as(f).isBetween(0.55, 0.7);
        }
        // behaviour did not change: braking, phone use and trip length stay put
        for (String f : List.of("harsh_brakes_per_100km", "phone_use_share", "duration_min")) {
            assertThat(feature(DRIFT, f).getBoolean(feature(DRIFT, f).fieldIndex("drifted"))).as(f).isFalse();
        }
    }
}
