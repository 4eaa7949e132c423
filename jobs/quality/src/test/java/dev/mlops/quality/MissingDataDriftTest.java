package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.TrainCommand;
import dev.mlops.train.testing.TinyDemand;
import dev.mlops.transform.TransformCommand;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
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
 * A trained tiny demand version (with a 3-day count besides its 24-hour features) judged on a day
 * whose 3-day windows reach a day without validated data (validate stopped it): the 3-day count
 * is null all day, and quality reports it as missing data, not as drift; it does not count toward
 * the drift share and the retrain decision. With a 3-day drift window, the 24-hour features of
 * the day after the missing one are judged on the values present, their nulls not counted either.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MissingDataDriftTest {
    static final LocalDate DAY = TinyDemand.LAST;
    static final LocalDate MISSING = DAY.minusDays(2);
    static final String SPEC = TinyDemand.SPEC.replace("{name: mean_v_24h, agg: mean, expr: v, window: 24h}",
            "{name: mean_v_24h, agg: mean, expr: v, window: 24h}\n      - {name: n_3d, agg: count, window: 72h}");

    @TempDir
    static java.nio.file.Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(SPEC).contains("n_3d");
        java.nio.file.Path specs = Files.createDirectories(home.resolve("specs"));
        // PSI 0.5 as in AttributionDriftTest (6 keys x 24 hours are few values); the attribution floor out of the way
        Files.writeString(specs.resolve("tt.yaml"), SPEC + """
                quality: {window: 1d, min_labelled: 100, attribution_floor: 0.01, new_labels: 100000, drift: {psi: 0.5}}
                """);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        TinyDemand.writeEvents(tp);
        ok(features(TinyDemand.D0, DAY));
        ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()), "--model", "tt", "--date", DAY.minusDays(1).toString()));
        // then MISSING fails validate when it is run again (corrected files that broke the contract): validate removes its
        // validated partition, and its features were never recomputed; the next days are
        tp.platform().lake().delete(tp.platform().lake().partition("validated", "ev", MISSING));
        tp.platform().lake().delete(tp.platform().lake().partition("features", "activity", MISSING));
        ok(features(MISSING.plusDays(1), DAY));
        ok(TestEnvironment.execute(Cli.commandLine(new TransformCommand(), c -> tp.platform()), "--model", "tt", "--date", DAY.toString()));
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static TestEnvironment.Output features(LocalDate from, LocalDate to) {
        return TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", from.toString(), "--to", to.toString(), "--no-online", "--chunk-days", "10");
    }

    static TestEnvironment.Output ok(TestEnvironment.Output o) {
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        return o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result() throws Exception {
        return Json.read(Files.readString(tp.platform().results().pathFor("quality", "tt", DAY, "all")), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> drift() throws Exception {
        return (Map<String, Object>) ((Map<String, Object>) result().get("counts")).get("drift");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> rule(String name) throws Exception {
        Map<String, Object> d = ((List<Map<String, Object>>) result().get("decisions")).get(0);
        return ((List<Map<String, Object>>) d.get("rules")).stream().filter(r -> r.get("rule").equals(name)).findFirst().orElseThrow();
    }

    static Row stored(String feature) {
        Dataset<Row> d = tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.DRIFT, "tt", DAY).toString());
        return d.filter(d.col("feature").equalTo(feature)).first();
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void aFeatureWhoseWindowsReadAMissingDayIsMissingDataNotDrift() throws Exception {
        Dataset<Row> f = tp.platform().spark().read().parquet(tp.platform().lake().partition("features", "activity", DAY).toString());
        assertThat(f.filter("n_3d IS NULL").count()).isEqualTo(f.count()).isEqualTo(6 * 24);
        TestEnvironment.Output o = ok(TestEnvironment.execute(Cli.commandLine(new QualityCommand(), c -> tp.platform()), "--model", "tt",
                "--date", DAY.toString()));
        assertThat(o.out()).contains("(1 with missing data, not drift)");
        Map<String, Object> drift = drift();
        // judged: the four 24-hour features; n_3d has no value to judge
        assertThat(drift).containsEntry("judged", true).containsEntry("features", 4);
        assertThat((List<String>) drift.get("drifted")).doesNotContain("n_3d").isEmpty();
        Map<String, Object> missing = (Map<String, Object>) drift.get("missing_data");
        assertThat(missing).containsOnlyKeys("n_3d");
        Map<String, Object> n3d = (Map<String, Object>) missing.get("n_3d");
        assertThat(n3d).containsEntry("source", "ev").containsEntry("days", List.of(MISSING.toString())).containsEntry("judged", false)
                .containsEntry("null_share", 1.0);
        assertThat(((Number) n3d.get("values_nulled")).longValue()).isGreaterThanOrEqualTo(6 * 24);
        assertThat((List<String>) drift.get("notes")).anyMatch(n -> n.startsWith("missing data, not drift: [n_3d]"));
        // not counted toward the retrain decision, and said so in the rule's evidence
        Map<String, Object> share = rule("drift_share");
        assertThat(share).containsEntry("fired", false).containsEntry("value", 0.0);
        assertThat((String) share.get("reason")).contains("missing data, not counted as drift: n_3d");
        assertThat((Map<String, Object>) share.get("evidence")).containsKey("missing_data");
        assertThat(((List<Map<String, Object>>) result().get("decisions")).get(0)).containsEntry("retrain", false);
        Row row = stored("n_3d");
        assertThat(row.getBoolean(row.fieldIndex("drifted"))).isFalse();
        assertThat(row.getDouble(row.fieldIndex("null_share"))).isEqualTo(1.0);
        assertThat(row.getString(row.fieldIndex("reasons"))).contains("missing data: windows over ev days without validated data [" + MISSING + "]")
                .contains("not judged (no values present)");
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void overADriftWindowTheNullsOfTheDayAfterTheMissingOneAreNotDrift() throws Exception {
        Files.writeString(home.resolve("specs").resolve("tt.yaml"), SPEC + """
                quality: {window: 1d, min_labelled: 100, attribution_floor: 0.01, new_labels: 100000, drift: {psi: 0.5, window: 3d}}
                """);
        ok(TestEnvironment.execute(Cli.commandLine(new QualityCommand(), c -> tp.platform()), "--model", "tt", "--date", DAY.toString()));
        Map<String, Object> drift = drift();
        // MISSING has no scoring set; the day after it, the 24-hour windows but the last reach into it
        assertThat(drift).containsEntry("judged", true).containsEntry("rows", 2 * 144);
        Map<String, Object> missing = (Map<String, Object>) drift.get("missing_data");
        assertThat(missing).containsKeys("n_3d", "n_24h", "mean_v_24h", "n_day_ago").doesNotContainKey("n_1h");
        Map<String, Object> n24 = (Map<String, Object>) missing.get("n_24h");
        assertThat(n24).containsEntry("judged", true).containsEntry("feature_dates", List.of(MISSING.plusDays(1).toString()));
        // of each key's 48 hours, 23 of the first day are null (its 00:00 event takes the last row before the missing day, within
        // the group's ttl): a null share no reference has, and not drift
        assertThat((Double) n24.get("null_share")).isEqualTo(23.0 / 48);
        Row row = stored("n_24h");
        assertThat(row.getString(row.fieldIndex("reasons"))).contains("null share not judged, distribution judged on the values present")
                .doesNotContain("null share 0.0000 ->");
        assertThat((List<String>) drift.get("drifted")).doesNotContain("n_24h", "mean_v_24h", "n_day_ago");
    }
}
