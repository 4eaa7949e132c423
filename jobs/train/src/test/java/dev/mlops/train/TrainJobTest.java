package dev.mlops.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.testing.TinyDemand;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small demand model with a learnable daily pattern (rows per key and hour depend on the hour
 * and the key), validated partitions written directly, features computed by the features job.
 */
class TrainJobTest {
    static final LocalDate D0 = TinyDemand.D0;
    static final LocalDate LAST = TinyDemand.LAST;
    static final String SPEC = TinyDemand.SPEC;

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), SPEC);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        writeEvents(tp);
        TestEnvironment.Output f = TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", D0.toString(), "--to", LAST.toString(), "--no-online", "--chunk-days", "10");
        assertThat(f.code()).as(f.out() + f.err()).isZero();
    }

    static void writeEvents(TestPlatform tp) {
        TinyDemand.writeEvents(tp);
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static TestEnvironment.Output train(String... args) {
        return TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()), args);
    }

    static TestEnvironment.Output registry(String... args) {
        return TestEnvironment.execute(Cli.commandLine(new RegistryCommand(), c -> tp.platform()), args);
    }

    @Test
    void trainsBeatsTheBaselineRegistersAndTheArtifactPredictsAsInMemory() throws Exception {
        Registry registry = new Registry(tp.platform().metadata());
        TestEnvironment.Output o = train("--model", "tt", "--date", LAST.toString());
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        assertThat(o.err()).contains("label events " + D0.plusDays(3) + ".." + LAST.minusDays(1));
        int version = registry.list("tt").get(registry.list("tt").size() - 1).version();
        Registry.Version v = registry.get("tt", version).orElseThrow();
        Path dir = Path.of(java.net.URI.create(v.artifactUri()));
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = Json.read(Files.readString(dir.resolve("metrics.json")), Map.class);
        @SuppressWarnings("unchecked")
        double rmse = (Double) ((Map<String, Object>) metrics.get("overall")).get("rmse");
        @SuppressWarnings("unchecked")
        double baseline = (Double) ((Map<String, Object>) metrics.get("baseline")).get("rmse");
        assertThat(rmse).isLessThan(baseline);
        assertThat(metrics).containsKeys("slices", "validation", "deploy_thresholds");
        assertThat(Files.readString(dir.resolve("model_card.md"))).contains("# Model card: tt").contains("| rmse |").contains("part_of_day");
        @SuppressWarnings("unchecked")
        Map<String, Object> profile = Json.read(Files.readString(dir.resolve("profile.json")), Map.class);
        assertThat((Map<String, Object>) profile.get("features")).containsKeys("n_1h", "hour_of_day");
        assertThat(profile).containsKeys("prediction", "attributions", "slices");
        assertThat((Map<String, Object>) ((Map<String, Object>) profile.get("slices")).get("part_of_day")).containsOnlyKeys("am", "pm");

        // model.tar.gz holds xgboost-model at its root; loaded back it predicts exactly what the job's booster did
        byte[] booster;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new ByteArrayInputStream(Files.readAllBytes(dir.resolve("model.tar.gz")))))) {
            assertThat(tar.getNextEntry().getName()).isEqualTo("xgboost-model");
            booster = tar.readAllBytes();
            assertThat(tar.getNextEntry()).isNull();
        }
        // the artifact's booster on the same test split gives the metrics the job recorded
        var spec = tp.platform().specs().load("tt").spec();
        TrainingData.Split split = new TrainingData(tp.platform().spark(), tp.platform().lake()).build(spec, LAST);
        Matrix test = TrainingData.matrix(split.test(), v.features(), "n");
        double again = (Double) Evaluation.regression(test.labels(), LocalXgboost.predict(booster, test)).get("rmse");
        assertThat(again).isCloseTo(rmse, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void theSameSeedGivesTheSameModelAndMetrics() {
        TrainingData.Split split = new TrainingData(tp.platform().spark(), tp.platform().lake())
                .build(tp.platform().specs().load("tt").spec(), LAST);
        List<String> features = TrainingData.featureColumns(tp.platform().specs().load("tt").spec());
        Matrix train = TrainingData.matrix(split.train().orderBy("k", "event_ts"), features, "n");
        Matrix valid = TrainingData.matrix(split.validation().orderBy("k", "event_ts"), features, "n");
        Map<String, Object> hp = tp.platform().specs().load("tt").spec().training().hyperparameters();
        LocalXgboost.Trained a = LocalXgboost.train(train, valid, hp);
        LocalXgboost.Trained b = LocalXgboost.train(train, valid, hp);
        assertThat(a.model()).isEqualTo(b.model());
        assertThat(a.validationScore()).isEqualTo(b.validationScore());
        // no label event on or after the date minus the delay
        assertThat(split.test().filter("event_ts >= timestamp'" + LAST + " 00:00:00'").count()).isZero();
        assertThat(split.train().filter("event_ts >= timestamp'" + split.validationFrom().replace("T", " ").replace("Z", "") + "'").count()).isZero();
    }

    @Test
    void registryTransitionsRecordWhoAndWhy() {
        // whatever ran before, after two runs the model has a production version and the newest is the candidate
        assertThat(train("--model", "tt", "--date", LAST.minusDays(3).toString()).code()).isZero();
        assertThat(train("--model", "tt", "--date", LAST.minusDays(2).toString(), "--tune").code()).isZero();
        Registry registry = new Registry(tp.platform().metadata());
        int latest = registry.list("tt").get(registry.list("tt").size() - 1).version();
        assertThat(registry.aliases("tt")).containsKey(Registry.PRODUCTION);
        assertThat(registry.alias("tt", Registry.CANDIDATE)).contains(latest);
        assertThat(registry.get("tt", latest).orElseThrow().status()).isEqualTo(Registry.PENDING);
        assertThat(registry.get("tt", latest).orElseThrow().lineage()).containsKeys("inputs", "spec_hash", "tuning_trials");
        TestEnvironment.Output a = registry("approve", "--model", "tt", "--version", Integer.toString(latest), "--as", "ana", "--reason", "reviewed the card");
        assertThat(a.code()).as(a.err()).isZero();
        TestEnvironment.Output show = registry("show", "--model", "tt", "--version", Integer.toString(latest));
        assertThat(show.out()).contains("\"actor\" : \"ana\"").contains("reviewed the card").contains("\"to_status\" : \"Approved\"");
        TestEnvironment.Output list = registry("list", "--model", "tt");
        assertThat(list.out()).contains("tt").contains("Approved");
        TestEnvironment.Output noReason = registry("reject", "--model", "tt", "--version", Integer.toString(latest), "--as", "bo", "--reason", " ");
        assertThat(noReason.code()).isEqualTo(2);
    }

    @Test
    void aFailedRunResumesAndRegistersOnce() {
        Registry registry = new Registry(tp.platform().metadata());
        int before = registry.list("tt").size();
        LocalDate date = LAST.minusDays(1);
        TrainCommand failing = new TrainCommand();
        failing.beforeStep(step -> {
            if (step.equals("register")) {
                throw new IllegalStateException("injected failure before register");
            }
        });
        TestEnvironment.Output first = TestEnvironment.execute(Cli.commandLine(failing, c -> tp.platform()), "--model", "tt", "--date", date.toString());
        assertThat(first.code()).isEqualTo(1);
        TestEnvironment.Output second = train("--model", "tt", "--date", date.toString());
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        assertThat(second.err()).doesNotContain("labelled rows (label events");
        assertThat(registry.list("tt")).hasSize(before + 1);
    }

    /** The train task's pod as Airflow runs it: MLOPS_RUN_ID set, its XCom file; the same metadata database and lake. */
    static TestEnvironment.Output trainInAirflowRun(String airflowRunId, Path xcom, LocalDate date) {
        dev.mlops.core.Platform pod = dev.mlops.core.Platform.builder(TestEnvironment.config(home, Map.of(
                        "specs.dir", home.resolve("specs").toString(), "run.id", airflowRunId, "result.path", xcom.toString())))
                .spark(tp.platform().spark()).metadata(tp.metadata()).build();
        return TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> pod), "--model", "tt", "--date", date.toString());
    }

    @Test
    void aRetryOfACompletedRunInTheSameAirflowRunRegistersNothing(@TempDir Path xcom) throws Exception {
        Registry registry = new Registry(tp.platform().metadata());
        LocalDate date = LAST.minusDays(2);
        int before = registry.list("tt").size();
        TestEnvironment.Output first = trainInAirflowRun("scheduled__" + date, xcom.resolve("try1.json"), date);
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        assertThat(registry.list("tt")).hasSize(before + 1);
        int registered = registry.list("tt").get(before).version();

        // killed after the run completed, before the process exited: Airflow's retry of the same task of the same DAG run
        TestEnvironment.Output retry = trainInAirflowRun("scheduled__" + date, xcom.resolve("try2.json"), date);
        assertThat(retry.code()).as(retry.out() + retry.err()).isZero();
        assertThat(retry.out()).contains("not recomputed").contains("version " + registered + " ");
        assertThat(registry.list("tt")).as("no second version").hasSize(before + 1);
        assertThat(Json.read(Files.readString(xcom.resolve("try2.json")), Map.class))
                .as("the retry's XCom is the completed run's result").isEqualTo(Json.read(Files.readString(xcom.resolve("try1.json")), Map.class));

        // a new DAG run (a backfill, a manual trigger) recomputes and registers
        TestEnvironment.Output other = trainInAirflowRun("manual__" + date, xcom.resolve("try3.json"), date);
        assertThat(other.code()).as(other.out() + other.err()).isZero();
        assertThat(registry.list("tt")).hasSize(before + 2);
    }

    @Test
    void tooFewLabelledRowsIsNothingToDo() {
        TestEnvironment.Output o = train("--model", "tt", "--date", D0.plusDays(1).toString());
        assertThat(o.code()).isEqualTo(100);
        assertThat(o.out() + o.err()).contains("too few labelled rows to train tt").contains("< 300");
    }

    @Test
    void anUnknownHyperparameterIsAUsageError() {
        TestEnvironment.Output o = train("--model", "tt", "--date", LAST.toString(), "--param", "learning_rate=0.1");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("expected one of SageMaker XGBoost's names");
    }
}
