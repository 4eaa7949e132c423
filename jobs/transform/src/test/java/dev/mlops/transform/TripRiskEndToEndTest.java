package dev.mlops.transform;

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
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.TrainCommand;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped trip_risk spec end to end (features, train, transform) on six weeks of generated trips and claims (labels are 30 days late,
 * so less would hold no labelled trip). The generated files go straight to validated/ with the
 * spec's types (ingest and validate have their own tests), to keep this test quick.
 */
class TripRiskEndToEndTest {
    static final LocalDate D1 = LocalDate.of(2024, 2, 1);
    static final LocalDate LAST = D1.plusDays(41);

    @TempDir
    Path home;
    TestPlatform tp;

    @AfterEach
    void tearDown() {
        if (tp != null) {
            tp.close();
        }
    }

    /** All the generated files of a dataset in one pass, written as its validated partitions (dt from the file's folder). */
    private void toValidated(String dataset, String format) {
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

    @Test
    void tripRiskBeatsTheBaseRate() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.copy(dev.mlops.core.testing.TestEnvironment.specsDir().resolve("trip_risk.yaml"), specs.resolve("trip_risk.yaml"));
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        DataGenerator g = new DataGenerator(new GeneratorOptions(D1, LAST, Set.of(ModelKind.TRIP_RISK), 5, 0.4));
        g.writeLanding(Paths.get(tp.platform().config().landingUri()));
        toValidated("trips", "json");
        toValidated("claims", "csv");
        TestEnvironment.Output f = TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "trip_risk", "--from", D1.toString(), "--to", LAST.toString(), "--no-online", "--chunk-days", "42");
        assertThat(f.code()).as(f.out() + f.err()).isZero();
        TestEnvironment.Output t = TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()),
                "--model", "trip_risk", "--date", LAST.toString());
        assertThat(t.code()).as(t.out() + t.err()).isZero();
        assertThat(t.err()).contains("label events " + LAST.minusDays(30 + 27) + ".." + LAST.minusDays(30));
        Registry.Version v = new Registry(tp.platform().metadata()).list("trip_risk").get(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Json.read(Files.readString(Path.of(java.net.URI.create(v.artifactUri())).resolve("metrics.json")), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> overall = (Map<String, Object>) m.get("overall");
        @SuppressWarnings("unchecked")
        Map<String, Object> baseline = (Map<String, Object>) m.get("baseline");
        assertThat(baseline.get("name")).isEqualTo("base rate");
        assertThat((Double) overall.get("pr_auc")).as(t.out()).isGreaterThan((Double) baseline.get("pr_auc"));
        assertThat((Double) overall.get("roc_auc")).isGreaterThan(0.6);
        assertThat(m.get("slices").toString()).contains("night_driving");

        // every trip that ended on the last day is scored, with its decision at the spec's threshold
        TestEnvironment.Output s = TestEnvironment.execute(Cli.commandLine(new TransformCommand(), c -> tp.platform()),
                "--model", "trip_risk", "--date", LAST.toString());
        assertThat(s.code()).as(s.out() + s.err()).isZero();
        var p = tp.platform().spark().read().parquet(Predictions.partition(tp.platform().lake(), "trip_risk", LAST, v.version()).toString());
        long trips = tp.platform().spark().read().parquet(tp.platform().lake().partition("validated", "trips", LAST).toString()).count();
        assertThat(p.count()).isEqualTo(trips);
        assertThat(p.columns()).contains("trip_id", "driver_id", "slice_night_driving");
        assertThat(p.filter("predicted_class IS NULL OR score < 0 OR score > 1").count()).isZero();
        assertThat(p.filter("predicted_class = CASE WHEN score >= 0.1 THEN 1 ELSE 0 END").count()).isEqualTo(trips);
    }
}
