package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.TrainCommand;
import dev.mlops.train.testing.TinyDemand;
import dev.mlops.transform.TransformCommand;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
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
 * A trained tiny demand version judged on its next day: drift of each feature, of the predictions
 * and of the slice against its profile, and attribution drift: quiet while the day's mean |SHAP|
 * ranking matches training's; fired once the reference says the top and the bottom feature had
 * each other's effect. And a run that fails in its drift step resumes there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttributionDriftTest {
    static final LocalDate DAY = TinyDemand.LAST;

    @TempDir
    static java.nio.file.Path home;
    static TestPlatform tp;
    static int version;

    @BeforeAll
    static void setUp() throws Exception {
        java.nio.file.Path specs = Files.createDirectories(home.resolve("specs"));
        // one day of the tiny model is 6 keys x 24 hours, and a key's 24-hour counts move slowly through the day: too few
        // independent values for PSI's 0.2 (its noise here is ~0.3), so this test looks at attributions with a PSI threshold of 0.5
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC + """
                quality: {window: 1d, min_labelled: 100, attribution_floor: 0.9, new_labels: 100000, drift: {psi: 0.5}}
                """);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        TinyDemand.writeEvents(tp);
        ok(TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", TinyDemand.D0.toString(), "--to", DAY.toString(), "--no-online", "--chunk-days", "10"));
        ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()), "--model", "tt", "--date", DAY.minusDays(1).toString()));
        version = new Registry(tp.platform().metadata()).alias("tt", Registry.PRODUCTION).orElseThrow();
        ok(TestEnvironment.execute(Cli.commandLine(new TransformCommand(), c -> tp.platform()), "--model", "tt", "--date", DAY.toString()));
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static TestEnvironment.Output ok(TestEnvironment.Output o) {
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        return o;
    }

    static TestEnvironment.Output quality() {
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new QualityCommand(), c -> tp.platform()), "--model", "tt", "--date",
                DAY.toString());
        return o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result() throws Exception {
        return Json.read(Files.readString(tp.platform().results().pathFor("quality", "tt", DAY, "all")), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> attributionRule() throws Exception {
        Map<String, Object> d = ((List<Map<String, Object>>) result().get("decisions")).get(0);
        return ((List<Map<String, Object>>) d.get("rules")).stream().filter(r -> r.get("rule").equals("attribution_drift")).findFirst().orElseThrow();
    }

    static Dataset<Row> drift() {
        return tp.platform().spark().read().parquet(QualityTables.partition(tp.platform().lake(), QualityTables.DRIFT, "tt", DAY).toString());
    }

    static Map<String, Double> currentAttributions() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Row r : drift().filter("kind IN ('feature', 'time_feature')").select("feature", "mean_abs_shap").collectAsList()) {
            out.put(r.getString(0), r.getDouble(1));
        }
        return out;
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void theDayIsJudgedAgainstTheProfileAndItsAttributionRankingHolds() throws Exception {
        TestEnvironment.Output o = ok(quality());
        Dataset<Row> d = drift();
        assertThat(d.filter("kind = 'feature'").select("feature").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
                .containsExactly("n_1h", "n_24h", "n_day_ago", "mean_v_24h");
        assertThat(d.filter("kind = 'time_feature'").select("feature").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
                .containsExactly("hour_of_day");
        assertThat(d.filter("kind = 'prediction'").count()).isEqualTo(1);
        assertThat(d.filter("kind = 'slice' AND feature = 'part_of_day'").count()).isEqualTo(1);
        // every statistic is stored for every feature, drifted or not
        for (String c : List.of("psi", "ks_statistic", "ks_p_value", "js_distance", "null_share", "reference_null_share", "mean", "reference_mean",
                "mean_abs_shap", "reference_mean_abs_shap")) {
            assertThat(d.filter("kind = 'feature' AND " + c + " IS NULL").count()).as(c).isZero();
        }
        assertThat(d.filter("kind = 'feature'").first().getLong(d.schema().fieldIndex("rows"))).isEqualTo(6 * 24);
        Map<String, Object> rule = attributionRule();
        assertThat(rule).containsEntry("fired", false).containsEntry("threshold", 0.9);
        assertThat((Double) rule.get("value")).isGreaterThanOrEqualTo(0.9);
        @SuppressWarnings("unchecked")
        Map<String, Object> drift = (Map<String, Object>) ((Map<String, Object>) result().get("counts")).get("drift");
        assertThat(drift).containsEntry("judged", true).containsEntry("features", 4).containsEntry("rows", 144);
        assertThat((List<?>) drift.get("drifted")).isEmpty();
        assertThat(((List<Map<String, Object>>) result().get("decisions")).get(0)).containsEntry("retrain", false);
        assertThat(o.out()).contains("attribution nDCG");
        assertThat(Files.readString(tp.platform().results().pathFor("quality", "tt", DAY, "all").resolveSibling(DAY + ".prom")))
                .contains("mlops_drift{").contains("statistic=\"psi\"").contains("feature=\"n_24h\"").contains("mlops_quality_rule_value{");
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void attributionDriftFiresWhenTheTopAndBottomFeaturesSwapTheirEffect() throws Exception {
        Registry.Version v = new Registry(tp.platform().metadata()).get("tt", version).orElseThrow();
        Path profilePath = new Path(v.artifactUri(), "profile.json");
        Map<String, Object> profile = Json.read(tp.platform().lake().readText(profilePath).orElseThrow(), Map.class);
        Map<String, Object> attributions = (Map<String, Object>) profile.get("attributions");
        Map<String, Double> reference = new LinkedHashMap<>();
        attributions.forEach((k, x) -> reference.put(k, ((Number) x).doubleValue()));
        List<String> ranking = DriftMath.ranking(reference);
        String top = ranking.get(0);
        String bottom = ranking.get(ranking.size() - 1);
        // training's reference now says the feature the model relies on most had the least effect, and the other way round
        Map<String, Double> swapped = new LinkedHashMap<>(reference);
        swapped.put(top, reference.get(bottom));
        swapped.put(bottom, reference.get(top));
        profile.put("attributions", swapped);
        tp.platform().lake().writeText(profilePath, Json.writePretty(profile));

        ok(quality());
        Map<String, Object> rule = attributionRule();
        double expected = DriftMath.ndcg(swapped, currentAttributions());
        assertThat((Double) rule.get("value")).isCloseTo(expected, within(1e-12)).isLessThan(0.9);
        assertThat(rule).containsEntry("fired", true);
        Map<String, Object> d = ((List<Map<String, Object>>) result().get("decisions")).get(0);
        assertThat(d).containsEntry("retrain", true);
        assertThat((List<String>) d.get("reasons")).anyMatch(r -> r.startsWith("attribution ranking nDCG"));
        Map<String, Object> evidence = (Map<String, Object>) rule.get("evidence");
        assertThat((List<Object>) evidence.get("reference_ranking")).startsWith(bottom);
        assertThat((List<Object>) evidence.get("current_ranking")).startsWith(top);
    }

    @Test
    @Order(3)
    @SuppressWarnings("unchecked")
    void aFailedRunResumesAtTheStepThatFailed() throws Exception {
        Registry.Version v = new Registry(tp.platform().metadata()).get("tt", version).orElseThrow();
        Path profilePath = new Path(v.artifactUri(), "profile.json");
        String good = tp.platform().lake().readText(profilePath).orElseThrow();
        tp.platform().lake().writeText(profilePath, "{\"rows\": ");
        TestEnvironment.Output failed = quality();
        assertThat(failed.code()).as(failed.out() + failed.err()).isEqualTo(1);
        tp.platform().lake().writeText(profilePath, good);
        ok(quality());
        Map<String, Object> run = (Map<String, Object>) result().get("run");
        assertThat(run).containsEntry("restarted", true);
        assertThat((List<Object>) run.get("steps_run")).containsExactly("drift", "decide");
        assertThat(attributionRule()).containsEntry("fired", true);
    }

    @Test
    @Order(4)
    @SuppressWarnings("unchecked")
    void aDriftWindowJudgesTheLastDaysOfScoredDataTogether() throws Exception {
        Files.writeString(home.resolve("specs").resolve("tt.yaml"), TinyDemand.SPEC + """
                quality: {window: 1d, min_labelled: 100, attribution_floor: 0.9, new_labels: 100000, drift: {psi: 0.5, window: 3d}}
                """);
        ok(quality());
        Map<String, Object> drift = (Map<String, Object>) ((Map<String, Object>) result().get("counts")).get("drift");
        // three days of 6 keys x 24 hours, judged as one sample; the stored rows say so too
        assertThat(drift).containsEntry("judged", true).containsEntry("rows", 3 * 144);
        assertThat((List<String>) drift.get("notes")).contains("drift of 3 day(s) of scored data together (quality.drift.window 3d): "
                + DAY.minusDays(2) + ".." + DAY);
        assertThat(drift().filter("kind = 'feature'").first().getLong(drift().schema().fieldIndex("rows"))).isEqualTo(3 * 144);
    }
}
