package dev.mlops.transform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.features.TrainingSets;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import dev.mlops.train.SageMakerTrainer;
import dev.mlops.train.TrainCommand;
import dev.mlops.train.TrainingData;
import dev.mlops.train.testing.TinyDemand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
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

/** Batch scoring of the tiny demand model: what is written, that it matches in-memory prediction, re-runs, candidates, missing features. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TransformJobTest {
    static final LocalDate DAY = TinyDemand.LAST;

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        TinyDemand.writeEvents(tp);
        ok(TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", TinyDemand.D0.toString(), "--to", DAY.toString(), "--no-online", "--chunk-days", "10"));
        ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()), "--model", "tt", "--date", DAY.minusDays(1).toString()));
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static TestEnvironment.Output ok(TestEnvironment.Output o) {
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        return o;
    }

    static TestEnvironment.Output transform(String... args) {
        return TestEnvironment.execute(Cli.commandLine(new TransformCommand(), c -> tp.platform()), args);
    }

    static Dataset<Row> predictions(int version) {
        return tp.platform().spark().read().parquet(Predictions.partition(tp.platform().lake(), "tt", DAY, version).toString());
    }

    @Test
    @Order(1)
    void scoresEveryBucketOfTheDayExactlyAsTheBoosterPredictsInMemory() throws Exception {
        Registry registry = new Registry(tp.platform().metadata());
        int v = registry.alias("tt", Registry.PRODUCTION).orElseThrow();
        TestEnvironment.Output o = ok(transform("--model", "tt", "--date", DAY.toString(), "--batch-size", "50"));
        assertThat(o.out()).contains("production v" + v);
        Dataset<Row> p = predictions(v);
        // 6 keys x 24 hours, one row each
        assertThat(p.count()).isEqualTo(6 * 24);
        assertThat(p.select("prediction_id").distinct().count()).isEqualTo(6 * 24);
        assertThat(p.columns()).containsExactly("prediction_id", "k", "event_ts", "model", "alias", "score", "predicted_class",
                "slice_part_of_day", "scored_at");
        assertThat(p.filter("predicted_class IS NOT NULL").count()).isZero();
        assertThat(p.filter("alias = 'production' AND model = 'tt'").count()).isEqualTo(6 * 24);

        // the same rows predicted in memory by the artifact's booster: the same scores
        Registry.Version version = registry.get("tt", v).orElseThrow();
        byte[] booster = SageMakerTrainer.readModel(tp.platform().lake(), version.artifactUri() + "/model.tar.gz");
        var spec = tp.platform().specs().load("tt").spec();
        Dataset<Row> rows = new TrainingSets(tp.platform().spark(), tp.platform().lake()).scoring(spec, DAY).rows()
                .withColumn("hour_of_day", org.apache.spark.sql.functions.expr(TrainingData.timeFeature("hour_of_day", "event_ts")))
                .withColumn("__label", org.apache.spark.sql.functions.lit(0.0))
                .orderBy("k", "event_ts");
        Matrix m = TrainingData.matrix(rows, version.features(), "__label");
        float[] expected = LocalXgboost.predict(booster, m);
        List<Row> got = p.orderBy("k", "event_ts").select("score").collectAsList();
        for (int i = 0; i < expected.length; i++) {
            assertThat(got.get(i).getDouble(0)).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        // the JSON result names the partition; the manifest records the model artifact among the inputs
        assertThat(o.out()).contains("mean score");
        String manifest = Files.readString(Path.of(java.net.URI.create(Predictions.partition(tp.platform().lake(), "tt", DAY, v).toString()))
                .resolve("_manifest.json"));
        assertThat(manifest).contains(version.artifactUri() + "/model.tar.gz").contains("features/activity/dt=" + DAY);
    }

    @Test
    @Order(2)
    void aReRunReplacesThePartitionWithTheSamePredictionIds() {
        int v = new Registry(tp.platform().metadata()).alias("tt", Registry.PRODUCTION).orElseThrow();
        List<String> before = predictions(v).orderBy("prediction_id").select("prediction_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        ok(transform("--model", "tt", "--date", DAY.toString()));
        List<String> after = predictions(v).orderBy("prediction_id").select("prediction_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertThat(after).hasSize(6 * 24).isEqualTo(before);
    }

    @Test
    @Order(3)
    void aCandidateIsScoredNextToProductionIntoItsOwnPartition() {
        TestEnvironment.Output t = ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()),
                "--model", "tt", "--date", DAY.toString()));
        Registry registry = new Registry(tp.platform().metadata());
        int production = registry.alias("tt", Registry.PRODUCTION).orElseThrow();
        int candidate = registry.alias("tt", Registry.CANDIDATE).orElseThrow(() -> new AssertionError(t.out()));
        TestEnvironment.Output o = ok(transform("--model", "tt", "--date", DAY.toString()));
        assertThat(o.out()).contains("production v" + production).contains("candidate v" + candidate);
        assertThat(predictions(candidate).count()).isEqualTo(6 * 24);
        assertThat(predictions(candidate).filter("alias = 'candidate'").count()).isEqualTo(6 * 24);
        // the same events, other ids (a prediction is of one version)
        assertThat(predictions(candidate).join(predictions(production), "prediction_id").count()).isZero();
        assertThat(predictions(candidate).join(predictions(production), scala.collection.JavaConverters.asScalaBuffer(List.of("k", "event_ts")).toSeq())
                .count()).isEqualTo(6 * 24);
        // only the candidate, on request
        TestEnvironment.Output only = ok(transform("--model", "tt", "--date", DAY.toString(), "--alias", "candidate"));
        assertThat(only.out()).doesNotContain("production v");
    }

    @Test
    @Order(4)
    void aVersionTrainedOnAFeatureTheScoringSetLacksFailsNamingIt() throws Exception {
        Registry registry = new Registry(tp.platform().metadata());
        int v = registry.alias("tt", Registry.PRODUCTION).orElseThrow();
        Path features = Path.of(java.net.URI.create(registry.get("tt", v).orElseThrow().artifactUri())).resolve("features.json");
        String original = Files.readString(features);
        @SuppressWarnings("unchecked")
        Map<String, Object> f = new HashMap<>(Json.read(original, Map.class));
        @SuppressWarnings("unchecked")
        List<String> names = new java.util.ArrayList<>((List<String>) f.get("features"));
        names.add(2, "n_48h");
        f.put("features", names);
        // edited behind Hadoop's back: drop its checksum file
        Files.deleteIfExists(features.resolveSibling(".features.json.crc"));
        Files.writeString(features, Json.write(f));
        try {
            TestEnvironment.Output o = transform("--model", "tt", "--date", DAY.toString(), "--alias", "production");
            assertThat(o.code()).as(o.out() + o.err()).isEqualTo(3);
            assertThat(o.err()).contains("version " + v).contains("[n_48h]").contains("does not have");
        } finally {
            Files.writeString(features, original);
        }
    }

    @Test
    @Order(5)
    void nothingToScoreIsExit100() {
        TestEnvironment.Output noFeatures = transform("--model", "tt", "--date", DAY.plusDays(1).toString());
        assertThat(noFeatures.code()).as(noFeatures.out() + noFeatures.err()).isEqualTo(100);
        assertThat(noFeatures.out()).contains("no features/activity partition for " + DAY.plusDays(1));
        TestEnvironment.Output badAlias = transform("--model", "tt", "--date", DAY.toString(), "--alias", "staging");
        assertThat(badAlias.code()).isEqualTo(2);
        assertThat(badAlias.err()).contains("--alias: expected production, candidate or all");
    }
    @Test
    @Order(6)
    void aReRunOfAPastDateAfterAPromotionKeepsWhoWasServingOnIt() {
        Registry registry = new Registry(tp.platform().metadata());
        // DAY was scored (order 3) by production and the candidate; then the candidate is promoted
        int served = registry.alias("tt", Registry.PRODUCTION).orElseThrow();
        int shadowed = registry.alias("tt", Registry.CANDIDATE).orElseThrow();
        registry.setAlias("tt", Registry.PRODUCTION, shadowed, "alice", "promoted after its shadow week");
        assertThat(registry.alias("tt", Registry.PRODUCTION)).contains(shadowed);

        TestEnvironment.Output rerun = ok(transform("--model", "tt", "--date", DAY.toString()));
        assertThat(rerun.out()).contains("production v" + served).contains("candidate v" + shadowed);
        assertThat(predictions(served).filter("alias = 'production'").count()).as("the version that served on DAY").isEqualTo(6 * 24);
        assertThat(predictions(shadowed).filter("alias = 'candidate'").count()).as("the version that was the candidate on DAY")
                .isEqualTo(6 * 24);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> versions = (Map<String, Map<String, Object>>) dev.mlops.core.result.JobResult.fromJson(readResult())
                .counts().get("versions");
        assertThat(versions).containsOnlyKeys("production", "candidate");
        assertThat(versions.get("production")).containsEntry("version", served);
        assertThat(versions.get("candidate")).containsEntry("version", shadowed);

        // a date not scored before: the registry's aliases now
        TestEnvironment.Output first = ok(transform("--model", "tt", "--date", DAY.minusDays(1).toString()));
        assertThat(first.out()).contains("production v" + shadowed).doesNotContain("production v" + served);
    }

    private static String readResult() {
        try {
            return Files.readString(tp.platform().results().pathFor("transform", "tt", DAY, "all"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
