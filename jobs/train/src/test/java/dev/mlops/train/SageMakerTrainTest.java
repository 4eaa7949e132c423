package dev.mlops.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.S3MockServer;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The SageMaker backend against the SageMaker API stand-in (which validates every request against
 * AWS's API model) with the lake on an S3 API server: what is submitted, exactly-once re-attach,
 * a failed job's reason and the retry's new attempt, the model package.
 */
class SageMakerTrainTest {
    static final String KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    static S3MockServer s3;
    static SageMakerStandIn sagemaker;
    static TestPlatform tp;
    @TempDir
    static Path home;

    static S3Client s3Client() {
        return s3.client();
    }

    @BeforeAll
    static void setUp() throws Exception {
        s3 = S3MockServer.start();
        s3.configure(TestEnvironment.spark().sparkContext().hadoopConfiguration());
        try (S3Client c = s3Client()) {
            c.createBucket(b -> b.bucket("lake"));
        }
        sagemaker = SageMakerStandIn.start().describesUntilDone(2);
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TrainJobTest.SPEC);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString(), "lake.uri", "s3://lake/sm",
                "sagemaker.endpoint", sagemaker.endpoint().toString(), "sagemaker.role_arn", "arn:aws:iam::123456789012:role/mlops-train",
                "aws.region", "us-east-1", "sagemaker.kms_key_id", KMS_KEY));
        TrainJobTest.writeEvents(tp);
        TestEnvironment.Output f = TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", TrainJobTest.D0.toString(), "--to", TrainJobTest.LAST.toString(), "--no-online", "--chunk-days", "10");
        assertThat(f.code()).as(f.out() + f.err()).isZero();
        // what "SageMaker" trains: a real booster over the same number of inputs, put where the job's output goes
        int features = TrainingData.featureColumns(tp.platform().specs().load("tt").spec()).size();
        sagemaker.onComplete(call -> {
            if (!call.operation().equals("CreateTrainingJob")) {
                return;
            }
            Random r = new Random(3);
            int n = 200;
            float[] v = new float[n * features];
            float[] l = new float[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < features; j++) {
                    v[i * features + j] = r.nextFloat() * 10;
                }
                l[i] = v[i * features] * 2 + r.nextFloat();
            }
            Matrix m = new Matrix(v, n, features, l);
            byte[] model = LocalXgboost.train(m, m, Map.of("num_round", 5, "objective", "reg:squarederror")).model();
            String uri = SageMakerStandIn.modelArtifacts(call.body());
            String key = uri.substring("s3://lake/".length());
            try (S3Client c = s3Client()) {
                c.putObject(b -> b.bucket("lake").key(key), RequestBody.fromBytes(TrainJob.tarGz(TrainJob.MODEL_FILE, model)));
            }
        });
    }

    @AfterAll
    static void tearDown() {
        if (tp != null) {
            tp.close();
        }
        if (sagemaker != null) {
            sagemaker.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    static TestEnvironment.Output train(Supplier<SageMakerClient> clients, String date, String... more) {
        TrainCommand cmd = new TrainCommand();
        cmd.polling(Duration.ofMillis(10), Duration.ofMillis(50));
        if (clients != null) {
            cmd.sageMakerClients(clients);
        }
        List<String> args = new ArrayList<>(List.of("--model", "tt", "--date", date, "--backend", "sagemaker"));
        args.addAll(List.of(more));
        return TestEnvironment.execute(Cli.commandLine(cmd, c -> tp.platform()), args.toArray(String[]::new));
    }

    @Test
    void tunesWithABayesianTuningJobAndKeepsTheBestTrainingJobsModel() {
        String date = TrainJobTest.LAST.minusDays(3).toString();
        TestEnvironment.Output o = train(null, date, "--tune");
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        var tunings = sagemaker.calls("CreateHyperParameterTuningJob");
        assertThat(tunings).hasSize(1);
        JsonNode t = tunings.get(0).body();
        assertThat(t.path("HyperParameterTuningJobName").asText().length()).isLessThanOrEqualTo(32);
        JsonNode config = t.path("HyperParameterTuningJobConfig");
        assertThat(config.path("Strategy").asText()).isEqualTo("Bayesian");
        assertThat(config.path("HyperParameterTuningJobObjective").path("Type").asText()).isEqualTo("Minimize");
        assertThat(config.path("HyperParameterTuningJobObjective").path("MetricName").asText()).isEqualTo("validation:rmse");
        assertThat(config.path("ResourceLimits").path("MaxNumberOfTrainingJobs").asInt()).isEqualTo(3);
        assertThat(config.path("ParameterRanges").path("IntegerParameterRanges").get(0).path("Name").asText()).isEqualTo("max_depth");
        assertThat(config.path("ParameterRanges").path("ContinuousParameterRanges").get(0).path("Name").asText()).isEqualTo("eta");
        // outputs and volumes under the environment's key, no network (sagemaker.kms_key_id, network_isolation's default)
        JsonNode definition = t.path("TrainingJobDefinition");
        assertThat(definition.path("OutputDataConfig").path("KmsKeyId").asText()).isEqualTo(KMS_KEY);
        assertThat(definition.path("ResourceConfig").path("VolumeKmsKeyId").asText()).isEqualTo(KMS_KEY);
        assertThat(definition.path("EnableNetworkIsolation").isBoolean()).isTrue();
        assertThat(definition.path("EnableNetworkIsolation").asBoolean()).isTrue();
        // tuned parameters are not also fixed
        assertThat(t.path("TrainingJobDefinition").path("StaticHyperParameters").has("eta")).isFalse();
        assertThat(t.path("TrainingJobDefinition").path("StaticHyperParameters").path("num_round").asText()).isEqualTo("60");
        assertThat(o.err()).contains("best of tuning job " + t.path("HyperParameterTuningJobName").asText());
        Registry.Version v = new Registry(tp.platform().metadata()).list("tt").stream()
                .filter(x -> x.backendJob().startsWith("sagemaker:" + t.path("HyperParameterTuningJobName").asText())).findFirst().orElseThrow();
        assertThat(v.hyperparameters()).containsKeys("eta", "max_depth");
    }

    static List<JsonNode> created(String namePrefix) {
        List<JsonNode> out = new ArrayList<>();
        for (var c : sagemaker.calls("CreateTrainingJob")) {
            if (c.body().path("TrainingJobName").asText().startsWith(namePrefix)) {
                out.add(c.body());
            }
        }
        return out;
    }

    @Test
    void submitsTheTrainingJobSageMakersContainerExpectsAndMirrorsTheVersion() {
        String date = TrainJobTest.LAST.toString();
        TestEnvironment.Output o = train(null, date);
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        // every request passed the API model's validation; the only refusals are the look-ups before creating
        assertThat(sagemaker.rejections()).allMatch(r -> r.operation().startsWith("Describe"));
        List<JsonNode> jobs = created("tt-" + date.replace("-", ""));
        assertThat(jobs).hasSize(1);
        JsonNode job = jobs.get(0);
        assertThat(job.path("AlgorithmSpecification").path("TrainingImage").asText())
                .isEqualTo("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
        assertThat(job.path("EnableManagedSpotTraining").asBoolean()).isTrue();
        // the model artifact and checkpoints, and the training volumes, under the environment's key; no network
        assertThat(job.path("OutputDataConfig").path("KmsKeyId").asText()).isEqualTo(KMS_KEY);
        assertThat(job.path("ResourceConfig").path("VolumeKmsKeyId").asText()).isEqualTo(KMS_KEY);
        assertThat(job.path("EnableNetworkIsolation").isBoolean()).isTrue();
        assertThat(job.path("EnableNetworkIsolation").asBoolean()).isTrue();
        assertThat(job.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()).isEqualTo(4 * 3600);
        assertThat(job.path("CheckpointConfig").path("S3Uri").asText()).startsWith("s3://lake/sm/sagemaker/tt/");
        assertThat(job.path("HyperParameters").path("num_round").asText()).isEqualTo("60");
        assertThat(job.path("InputDataConfig").get(0).path("ContentType").asText()).isEqualTo("text/csv");
        assertThat(job.path("Tags").toString()).contains("mlops:model").contains("mlops:run");
        String train = job.path("InputDataConfig").get(0).path("DataSource").path("S3DataSource").path("S3Uri").asText();
        // the channel holds CSV, label first: readable as numbers
        var csv = TestEnvironment.spark().read().csv("s3a://" + train.substring("s3://".length()));
        assertThat(csv.count()).isPositive();
        assertThat(csv.columns()).hasSize(1 + TrainingData.featureColumns(tp.platform().specs().load("tt").spec()).size());
        assertThat(o.err()).contains("SageMaker training job " + job.path("TrainingJobName").asText() + ": InProgress");
        assertThat(o.err()).contains(": Completed");

        Registry registry = new Registry(tp.platform().metadata());
        Registry.Version v = registry.list("tt").stream().filter(x -> x.backendJob().endsWith(job.path("TrainingJobName").asText()))
                .findFirst().orElseThrow();
        assertThat(v.backend()).isEqualTo("sagemaker");
        var packages = sagemaker.calls("CreateModelPackage");
        assertThat(packages).isNotEmpty();
        JsonNode pkg = packages.get(packages.size() - 1).body();
        assertThat(pkg.path("ModelPackageGroupName").asText()).isEqualTo("tt");
        assertThat(pkg.path("InferenceSpecification").path("Containers").get(0).path("ModelDataUrl").asText())
                .isEqualTo("s3://lake/sm/models/tt/" + v.version() + "/model.tar.gz");
        assertThat(registry.events("tt", v.version())).anyMatch(e -> e.action().equals("model_package"));
    }

    @Test
    void aRestartReattachesToTheSubmittedJobInsteadOfSubmittingASecond() {
        String date = TrainJobTest.LAST.minusDays(1).toString();
        AtomicInteger describes = new AtomicInteger();
        Supplier<SageMakerClient> dying = () -> {
            SageMakerClient real = SageMakerTrainer.client(java.util.Optional.of(sagemaker.endpoint()), "us-east-1", true);
            return (SageMakerClient) Proxy.newProxyInstance(SageMakerClient.class.getClassLoader(), new Class<?>[] {SageMakerClient.class},
                    (proxy, method, args) -> {
                        // the pod dies while waiting: the job keeps running in SageMaker
                        if (method.getName().equals("describeTrainingJob") && describes.incrementAndGet() == 3) {
                            throw SdkClientException.create("connection reset (the pod was evicted)");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        };
        TestEnvironment.Output first = train(dying, date);
        assertThat(first.code()).isEqualTo(1);
        String prefix = "tt-" + date.replace("-", "");
        assertThat(created(prefix)).hasSize(1);
        TestEnvironment.Output second = train(null, date);
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        assertThat(second.err()).contains("re-attaching to SageMaker training job " + created(prefix).get(0).path("TrainingJobName").asText());
        assertThat(created(prefix)).hasSize(1);
    }

    @Test
    void aFailedJobIsReportedWithItsReasonAndTheRetrySubmitsTheNextAttempt() {
        String date = TrainJobTest.LAST.minusDays(2).toString();
        sagemaker.failNext(SageMakerStandIn.JobKind.TRAINING, "AlgorithmError: the validation channel is empty");
        TestEnvironment.Output first = train(null, date);
        assertThat(first.code()).isEqualTo(1);
        assertThat(first.out() + first.err()).contains("failed: AlgorithmError: the validation channel is empty");
        TestEnvironment.Output second = train(null, date);
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        List<JsonNode> jobs = created("tt-" + date.replace("-", ""));
        assertThat(jobs).extracting(j -> j.path("TrainingJobName").asText()).hasSize(2)
                .anyMatch(n -> n.endsWith("-1")).anyMatch(n -> n.endsWith("-2"));
    }

    @Test
    void theSageMakerBackendNeedsARole() throws Exception {
        try (TestPlatform other = TestEnvironment.platform(home.resolve("norole"), Map.of("specs.dir", home.resolve("specs").toString(),
                "lake.uri", "s3://lake/other"))) {
            TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> other.platform()),
                    "--model", "tt", "--date", TrainJobTest.LAST.toString(), "--backend", "sagemaker");
            assertThat(o.code()).isEqualTo(2);
            assertThat(o.err()).contains("sagemaker.role_arn");
        }
    }
}
