package dev.mlops.transform;

import static org.apache.spark.sql.functions.col;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.ModelSpec;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.train.SageMakerTrainer;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.batch.core.JobExecution;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.AssemblyType;
import software.amazon.awssdk.services.sagemaker.model.BatchStrategy;
import software.amazon.awssdk.services.sagemaker.model.CompressionType;
import software.amazon.awssdk.services.sagemaker.model.DescribeTransformJobResponse;
import software.amazon.awssdk.services.sagemaker.model.JoinSource;
import software.amazon.awssdk.services.sagemaker.model.S3DataType;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.SplitType;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TransformJobStatus;

/**
 * Scores with SageMaker batch transform: a SageMaker model per registry version ({@code CreateModel}
 * from the version's {@code model.tar.gz} and the XGBoost image), the scoring set exported to the
 * lake as the container's CSV (an id column, then the features; empty fields for missing values),
 * and a transform job that splits by line, batches records up to 6 MB per request, drops the id
 * before the container sees a record ({@code InputFilter $[1:]}) and joins it back to the
 * prediction in the output ({@code JoinSource Input}, {@code OutputFilter $[0,-1]}). The output
 * is read back and joined to the scoring set on the id. Exactly once, as training: the job name is
 * derived from the run (model, version, date, job instance, attempt), a retried step re-attaches
 * to its job, and only a failed or stopped job makes the next attempt submit a new one.
 */
public final class SageMakerTransformer {
    static final String ATTEMPT = "transform.sagemaker.attempt.v";

    /** How the backend reaches the API and how often it polls. */
    public record Options(Supplier<SageMakerClient> client, Duration firstPoll, Duration maxPoll) {
    }

    /** The transform job that scored, and its scores by id ({@code __id}, {@code score}). */
    record Result(String jobName, Dataset<Row> scores) {
    }

    private final Platform platform;
    private final Options options;
    private final PrintWriter progress;

    SageMakerTransformer(Platform platform, Options options, PrintWriter progress) {
        this.platform = platform;
        this.options = options;
        this.progress = progress;
    }

    /** {@code <model>-v<version>}: the SageMaker model of a registry version. */
    public static String modelName(String model, int version) {
        return model.replace('_', '-') + "-v" + version;
    }

    /**
     * {@code <model>-v<version>-<yyyymmdd>-<instance>-<attempt>}, at most 63 characters: too long, the model
     * part is cut at its end ({@link SageMakerTrainer#boundedName}), so the name still starts with the model's
     * SageMaker name prefix and keeps the version, date, instance and attempt.
     */
    static String jobName(String model, int version, LocalDate date, long instance, int attempt) {
        return SageMakerTrainer.boundedName(model.replace('_', '-'),
                "-v" + version + "-" + date.toString().replace("-", "") + "-" + instance + "-" + attempt, 63);
    }

    Result transform(ModelSpec spec, Registry.Version v, LocalDate date, long instance, JobExecution e, Dataset<Row> input,
                     List<String> features, Path staging) {
        TrainingSpec.SageMaker sm = spec.training().sagemaker();
        String region = platform.config().awsRegion().orElse("us-east-1");
        String role = platform.config().sagemakerRoleArn().orElseThrow();
        SageMakerTrainer.Protection protection = SageMakerTrainer.Protection.of(platform.config());
        List<Tag> tags = List.of(Tag.builder().key("mlops:model").value(spec.model()).build(),
                Tag.builder().key("mlops:version").value(Integer.toString(v.version())).build(),
                Tag.builder().key("mlops:date").value(date.toString()).build(),
                Tag.builder().key("mlops:run").value(Long.toString(instance)).build(),
                Tag.builder().key("mlops:code-version").value(Versions.codeVersion()).build());
        try (SageMakerClient client = options.client().get()) {
            String model = modelName(spec.model(), v.version());
            ensureModel(client, model, SageMakerTrainer.image(sm, region), v.artifactUri() + "/model.tar.gz", role, protection, tags);
            String key = ATTEMPT + v.version();
            int attempt = e.getExecutionContext().containsKey(key) ? e.getExecutionContext().getInt(key) : 1;
            String name = jobName(spec.model(), v.version(), date, instance, attempt);
            Optional<DescribeTransformJobResponse> existing = describe(client, name);
            if (existing.isPresent() && (existing.get().transformJobStatus() == TransformJobStatus.FAILED
                    || existing.get().transformJobStatus() == TransformJobStatus.STOPPED)) {
                attempt++;
                name = jobName(spec.model(), v.version(), date, instance, attempt);
                existing = describe(client, name);
            }
            e.getExecutionContext().putInt(key, attempt);
            platform.batch().jobRepository().updateExecutionContext(e);
            Path root = platform.lake().path("sagemaker", spec.model(), name);
            Path in = new Path(root, "input");
            Path out = new Path(root, "output");
            if (existing.isEmpty()) {
                export(input, features, in);
                String jobName = name;
                try {
                    client.createTransformJob(b -> b.transformJobName(jobName).modelName(model)
                            .batchStrategy(BatchStrategy.MULTI_RECORD).maxPayloadInMB(6)
                            .modelClientConfig(c -> c.invocationsTimeoutInSeconds(600).invocationsMaxRetries(1))
                            .transformInput(t -> t.dataSource(d -> d.s3DataSource(s -> s.s3DataType(S3DataType.S3_PREFIX)
                                            .s3Uri(SageMakerTrainer.s3(in) + "/")))
                                    .contentType("text/csv").splitType(SplitType.LINE).compressionType(CompressionType.NONE))
                            .transformOutput(o -> o.s3OutputPath(SageMakerTrainer.s3(out)).accept("text/csv").assembleWith(AssemblyType.LINE)
                                    .kmsKeyId(protection.kmsKeyId().orElse(null)))
                            .transformResources(r -> r.instanceType(sm.transformInstanceType()).instanceCount(sm.transformInstanceCount())
                                    .volumeKmsKeyId(protection.kmsKeyId().orElse(null)))
                            .dataProcessing(d -> d.inputFilter("$[1:]").joinSource(JoinSource.INPUT).outputFilter("$[0,-1]"))
                            .tags(tags));
                } catch (SageMakerException ex) {
                    throw SageMakerTrainer.error("CreateTransformJob " + jobName, ex);
                }
                say("transform: submitted SageMaker transform job %s (model %s, %s x %d)", name, model, sm.transformInstanceType(),
                        sm.transformInstanceCount());
            } else {
                say("transform: SageMaker transform job %s already exists: re-attaching", name);
            }
            String jobName = name;
            DescribeTransformJobResponse done = SageMakerTrainer.poll("transform", "transform job " + name, () -> describe(client, jobName),
                    DescribeTransformJobResponse::transformJobStatusAsString,
                    d -> d.transformJobStatus() != TransformJobStatus.IN_PROGRESS && d.transformJobStatus() != TransformJobStatus.STOPPING,
                    options.firstPoll(), options.maxPoll(), progress);
            if (done.transformJobStatus() != TransformJobStatus.COMPLETED) {
                throw JobException.retryable("SageMaker transform job " + name + " " + done.transformJobStatusAsString().toLowerCase(Locale.ROOT)
                        + (done.failureReason() == null ? "" : ": " + done.failureReason()) + " (a retry submits attempt " + (attempt + 1) + ")", null);
            }
            if (!platform.lake().exists(out)) {
                throw JobException.retryable("SageMaker transform job " + name + " completed but wrote nothing under " + out, null);
            }
            Dataset<Row> scores = platform.spark().read().schema("`" + TransformJob.ID + "` STRING, " + Predictions.SCORE + " DOUBLE").csv(out.toString());
            return new Result(name, scores);
        }
    }

    private static Optional<DescribeTransformJobResponse> describe(SageMakerClient client, String name) {
        return SageMakerTrainer.lookUp("DescribeTransformJob " + name, () -> client.describeTransformJob(b -> b.transformJobName(name)));
    }

    /**
     * CreateModel, unless SageMaker already has the version's model (a re-run, another date's transform or a
     * promotion created it), with network isolation as configured (the container gets no network). A model
     * that exists keeps the settings it was created with.
     */
    public static void ensureModel(SageMakerClient client, String model, String image, String artifact, String role,
                                   SageMakerTrainer.Protection protection, List<Tag> tags) {
        try {
            client.createModel(b -> b.modelName(model).executionRoleArn(role).enableNetworkIsolation(protection.networkIsolation())
                    .primaryContainer(c -> c.image(image).modelDataUrl(SageMakerTrainer.s3(new Path(artifact)))).tags(tags));
        } catch (SageMakerException ex) {
            String msg = String.valueOf(ex.getMessage()).toLowerCase(Locale.ROOT);
            if (!msg.contains("already existing") && !msg.contains("already exists")) {
                throw SageMakerTrainer.error("CreateModel " + model, ex);
            }
        }
    }

    /** The container's CSV: the id, then the features in the model's order; no header, empty fields for missing values. */
    private void export(Dataset<Row> input, List<String> features, Path target) {
        List<Column> cols = new ArrayList<>();
        cols.add(col(TransformJob.ID));
        features.forEach(f -> cols.add(col(f).cast("double")));
        input.select(cols.toArray(Column[]::new)).write().mode("overwrite").option("header", "false").option("nullValue", "")
                .option("emptyValue", "").csv(target.toString());
        // the prefix is the transform's input: no marker files in it
        platform.lake().delete(new Path(target, "_SUCCESS"));
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }
}
