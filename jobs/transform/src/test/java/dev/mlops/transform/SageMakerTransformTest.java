package dev.mlops.transform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.S3MockServer;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import dev.mlops.train.SageMakerTrainer;
import dev.mlops.train.TrainCommand;
import dev.mlops.train.testing.TinyDemand;
import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The SageMaker backend of transform against the SageMaker API stand-in (every request validated
 * against AWS's API model) with the lake on an S3 API server. The stand-in's "container" scores the
 * exported CSV with the version's real booster and writes what batch transform writes (the id
 * joined to the prediction, one {@code .out} object per input object), so the join back is tested.
 */
class SageMakerTransformTest {
    static final String KMS_ALIAS = "arn:aws:kms:us-east-1:123456789012:alias/mlops-test";
    static S3MockServer s3;
    static SageMakerStandIn sagemaker;
    static TestPlatform tp;
    @TempDir
    static Path home;

    @BeforeAll
    static void setUp() throws Exception {
        s3 = S3MockServer.start();
        s3.configure(TestEnvironment.spark().sparkContext().hadoopConfiguration());
        try (S3Client c = s3.client()) {
            c.createBucket(b -> b.bucket("lake"));
        }
        sagemaker = SageMakerStandIn.start().describesUntilDone(2);
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString(), "lake.uri", "s3://lake/sm",
                "sagemaker.endpoint", sagemaker.endpoint().toString(), "sagemaker.role_arn", "arn:aws:iam::123456789012:role/mlops-transform",
                "aws.region", "us-east-1", "sagemaker.kms_key_id", KMS_ALIAS));
        TinyDemand.writeEvents(tp);
        TransformJobTest.ok(TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", TinyDemand.D0.toString(), "--to", TinyDemand.LAST.toString(), "--no-online", "--chunk-days", "10"));
        TransformJobTest.ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()),
                "--model", "tt", "--date", TinyDemand.LAST.minusDays(3).toString()));
        sagemaker.onComplete(call -> {
            if (call.operation().equals("CreateTransformJob")) {
                container(call.body());
            }
        });
    }

    /** What the XGBoost container and batch transform do with the job: score each input object, write <object>.out. */
    static void container(JsonNode job) {
        String modelName = job.path("ModelName").asText();
        String modelData = sagemaker.calls("CreateModel").stream().map(SageMakerStandIn.Call::body)
                .filter(b -> b.path("ModelName").asText().equals(modelName)).findFirst().orElseThrow()
                .path("PrimaryContainer").path("ModelDataUrl").asText();
        String in = job.path("TransformInput").path("DataSource").path("S3DataSource").path("S3Uri").asText().substring("s3://lake/".length());
        String out = job.path("TransformOutput").path("S3OutputPath").asText().substring("s3://lake/".length());
        try (S3Client c = s3.client()) {
            byte[] booster = untar(c.getObjectAsBytes(b -> b.bucket("lake").key(modelData.substring("s3://lake/".length()))).asByteArray());
            for (var o : c.listObjectsV2(b -> b.bucket("lake").prefix(in)).contents()) {
                String csv = c.getObjectAsBytes(b -> b.bucket("lake").key(o.key())).asString(StandardCharsets.UTF_8);
                List<String> ids = new ArrayList<>();
                List<float[]> rows = new ArrayList<>();
                for (String line : csv.split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String[] f = line.split(",", -1);
                    ids.add(f[0]);
                    float[] v = new float[f.length - 1];
                    for (int j = 1; j < f.length; j++) {
                        v[j - 1] = f[j].isEmpty() ? Float.NaN : Float.parseFloat(f[j]);
                    }
                    rows.add(v);
                }
                StringBuilder result = new StringBuilder();
                if (!rows.isEmpty()) {
                    int k = rows.get(0).length;
                    float[] values = new float[rows.size() * k];
                    for (int i = 0; i < rows.size(); i++) {
                        System.arraycopy(rows.get(i), 0, values, i * k, k);
                    }
                    float[] p = LocalXgboost.predict(booster, new Matrix(values, rows.size(), k, new float[rows.size()]));
                    for (int i = 0; i < p.length; i++) {
                        result.append(ids.get(i)).append(',').append(p[i]).append('\n');
                    }
                }
                String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                c.putObject(b -> b.bucket("lake").key(out + "/" + name + ".out"), RequestBody.fromString(result.toString()));
            }
        }
    }

    static byte[] untar(byte[] tarGz) {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(tarGz)))) {
            tar.getNextEntry();
            return tar.readAllBytes();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
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

    static TestEnvironment.Output transform(Supplier<SageMakerClient> clients, LocalDate date, String backend) {
        TransformCommand cmd = new TransformCommand();
        cmd.polling(Duration.ofMillis(10), Duration.ofMillis(50));
        if (clients != null) {
            cmd.sageMakerClients(clients);
        }
        return TestEnvironment.execute(Cli.commandLine(cmd, c -> tp.platform()), "--model", "tt", "--date", date.toString(), "--backend", backend);
    }

    static List<JsonNode> transforms(String namePrefix) {
        return sagemaker.calls("CreateTransformJob").stream().map(SageMakerStandIn.Call::body)
                .filter(b -> b.path("TransformJobName").asText().startsWith(namePrefix)).toList();
    }

    static Map<String, Double> scores(LocalDate date, int version) {
        Map<String, Double> out = new HashMap<>();
        for (Row r : tp.platform().spark().read().parquet(Predictions.partition(tp.platform().lake(), "tt", date, version).toString())
                .select("k", "event_ts", "score").collectAsList()) {
            out.put(r.get(0) + "@" + r.get(1), r.getDouble(2));
        }
        return out;
    }

    @Test
    void submitsAWellFormedTransformJobAndJoinsItsOutputBackToTheEvents() {
        LocalDate date = TinyDemand.LAST;
        int v = new Registry(tp.platform().metadata()).alias("tt", Registry.PRODUCTION).orElseThrow();
        TestEnvironment.Output o = transform(null, date, "sagemaker");
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        // the only refusals: look-ups before creating, and CreateModel of a version another date already created (reused)
        assertThat(sagemaker.rejections()).allMatch(r -> r.operation().startsWith("Describe")
                || r.operation().equals("CreateModel") && r.message().contains("already existing"));
        JsonNode model = sagemaker.calls("CreateModel").get(0).body();
        assertThat(model.path("ModelName").asText()).isEqualTo("tt-v" + v);
        assertThat(model.path("ExecutionRoleArn").asText()).isEqualTo("arn:aws:iam::123456789012:role/mlops-transform");
        assertThat(model.path("PrimaryContainer").path("Image").asText()).isEqualTo("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
        assertThat(model.path("PrimaryContainer").path("ModelDataUrl").asText()).isEqualTo("s3://lake/sm/models/tt/" + v + "/model.tar.gz");
        // the model's container runs without network (sagemaker.network_isolation, default true)
        assertThat(model.path("EnableNetworkIsolation").isBoolean()).isTrue();
        assertThat(model.path("EnableNetworkIsolation").asBoolean()).isTrue();
        List<JsonNode> jobs = transforms("tt-v" + v + "-" + date.toString().replace("-", ""));
        assertThat(jobs).hasSize(1);
        JsonNode job = jobs.get(0);
        assertThat(job.path("BatchStrategy").asText()).isEqualTo("MultiRecord");
        assertThat(job.path("MaxPayloadInMB").asInt()).isEqualTo(6);
        assertThat(job.path("TransformInput").path("SplitType").asText()).isEqualTo("Line");
        assertThat(job.path("TransformInput").path("ContentType").asText()).isEqualTo("text/csv");
        assertThat(job.path("TransformOutput").path("AssembleWith").asText()).isEqualTo("Line");
        assertThat(job.path("DataProcessing").path("InputFilter").asText()).isEqualTo("$[1:]");
        assertThat(job.path("DataProcessing").path("JoinSource").asText()).isEqualTo("Input");
        assertThat(job.path("DataProcessing").path("OutputFilter").asText()).isEqualTo("$[0,-1]");
        assertThat(job.path("TransformResources").path("InstanceType").asText()).isEqualTo("ml.m5.xlarge");
        // output and volumes under the environment's key (an alias ARN: both fields take any of the key's four forms)
        assertThat(job.path("TransformOutput").path("KmsKeyId").asText()).isEqualTo(KMS_ALIAS);
        assertThat(job.path("TransformResources").path("VolumeKmsKeyId").asText()).isEqualTo(KMS_ALIAS);
        assertThat(job.path("Tags").toString()).contains("mlops:model").contains("mlops:version");
        assertThat(o.err()).contains("SageMaker transform job " + job.path("TransformJobName").asText() + ": InProgress").contains(": Completed");

        // the same version scored in Spark gives the same scores for the same events
        Map<String, Double> fromSageMaker = scores(date, v);
        assertThat(fromSageMaker).hasSize(6 * 24);
        TransformJobTest.ok(transform(null, date, "local"));
        Map<String, Double> local = scores(date, v);
        assertThat(local.keySet()).isEqualTo(fromSageMaker.keySet());
        local.forEach((k, s) -> assertThat(fromSageMaker.get(k)).as(k).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5)));
    }

    @Test
    void aRestartReattachesToTheSubmittedJobInsteadOfSubmittingASecond() {
        LocalDate date = TinyDemand.LAST.minusDays(1);
        AtomicInteger describes = new AtomicInteger();
        Supplier<SageMakerClient> dying = () -> {
            SageMakerClient real = SageMakerTrainer.client(java.util.Optional.of(sagemaker.endpoint()), "us-east-1", true);
            return (SageMakerClient) Proxy.newProxyInstance(SageMakerClient.class.getClassLoader(), new Class<?>[] {SageMakerClient.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("describeTransformJob") && describes.incrementAndGet() == 3) {
                            throw SdkClientException.create("connection reset (the pod was evicted)");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        };
        TestEnvironment.Output first = transform(dying, date, "sagemaker");
        assertThat(first.code()).as(first.out() + first.err()).isEqualTo(1);
        String prefix = "tt-v" + new Registry(tp.platform().metadata()).alias("tt", Registry.PRODUCTION).orElseThrow() + "-"
                + date.toString().replace("-", "");
        assertThat(transforms(prefix)).hasSize(1);
        TestEnvironment.Output second = transform(null, date, "sagemaker");
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        assertThat(second.err()).contains("re-attaching");
        assertThat(transforms(prefix)).hasSize(1);
    }

    @Test
    void aFailedJobIsReportedWithItsReasonAndTheRetrySubmitsTheNextAttempt() {
        LocalDate date = TinyDemand.LAST.minusDays(2);
        sagemaker.failNext(SageMakerStandIn.JobKind.TRANSFORM, "ClientError: See job logs for more information");
        TestEnvironment.Output first = transform(null, date, "sagemaker");
        assertThat(first.code()).isEqualTo(1);
        assertThat(first.out() + first.err()).contains("failed: ClientError: See job logs for more information");
        TestEnvironment.Output second = transform(null, date, "sagemaker");
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        String prefix = "tt-v" + new Registry(tp.platform().metadata()).alias("tt", Registry.PRODUCTION).orElseThrow() + "-"
                + date.toString().replace("-", "");
        assertThat(transforms(prefix)).extracting(j -> j.path("TransformJobName").asText()).hasSize(2)
                .anyMatch(n -> n.endsWith("-1")).anyMatch(n -> n.endsWith("-2"));
    }
}
