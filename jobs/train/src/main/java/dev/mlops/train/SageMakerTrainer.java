package dev.mlops.train;

import static org.apache.spark.sql.functions.col;

import dev.mlops.core.JobException;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.spec.TrainingSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.SageMakerClientBuilder;
import software.amazon.awssdk.services.sagemaker.model.AlgorithmSpecification;
import software.amazon.awssdk.services.sagemaker.model.Channel;
import software.amazon.awssdk.services.sagemaker.model.CheckpointConfig;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DataSource;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.OutputDataConfig;
import software.amazon.awssdk.services.sagemaker.model.ResourceConfig;
import software.amazon.awssdk.services.sagemaker.model.ResourceInUseException;
import software.amazon.awssdk.services.sagemaker.model.S3DataDistribution;
import software.amazon.awssdk.services.sagemaker.model.S3DataSource;
import software.amazon.awssdk.services.sagemaker.model.S3DataType;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.StoppingCondition;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TrainingInputMode;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;

/**
 * The SageMaker backend of the train step: the splits go to S3 as the built-in XGBoost container
 * reads them (CSV, label first, no header), then {@code CreateTrainingJob} with the region's
 * XGBoost image, managed spot training with checkpoints, and tags. Exactly once: the job name is
 * derived from the run (model, date, job instance, attempt), so a retried step first looks for
 * its job and re-attaches to it; only a job that failed or was stopped makes the next attempt
 * submit a new one. Waits with backoff, printing status changes; on completion the
 * {@code model.tar.gz} is read back so evaluation runs exactly as for a local model.
 */
public final class SageMakerTrainer {
    /** Accounts hosting the built-in XGBoost image per region (SageMaker's ECR registry paths). */
    static final Map<String, String> XGBOOST_ACCOUNTS = Map.ofEntries(
            Map.entry("us-east-1", "683313688378"), Map.entry("us-east-2", "257758044811"),
            Map.entry("us-west-1", "746614075791"), Map.entry("us-west-2", "246618743249"),
            Map.entry("eu-west-1", "141502667606"), Map.entry("eu-west-2", "764974769150"),
            Map.entry("eu-central-1", "492215442770"), Map.entry("eu-north-1", "662702820516"),
            Map.entry("ap-southeast-1", "121021644041"), Map.entry("ap-southeast-2", "783357654285"),
            Map.entry("ap-northeast-1", "354813040037"));

    /**
     * How SageMaker's jobs and models are protected: the KMS key of their S3 outputs and ML storage volumes
     * ({@code sagemaker.kms_key_id}; unset: SageMaker's defaults, the AWS managed aws/s3 key) and network
     * isolation ({@code sagemaker.network_isolation}, default true: the containers get no network; the
     * built-in XGBoost needs none).
     */
    public record Protection(Optional<String> kmsKeyId, boolean networkIsolation) {
        public Protection {
            kmsKeyId = kmsKeyId == null ? Optional.empty() : kmsKeyId.filter(k -> !k.isBlank());
        }

        public static Protection of(dev.mlops.core.config.PlatformConfig config) {
            return new Protection(config.sagemakerKmsKeyId(), config.sagemakerNetworkIsolation());
        }

        /** An alias (alias/name or its ARN): accepted for outputs and endpoint and transform volumes, not for training volumes. */
        public boolean isAlias() {
            return kmsKeyId.map(k -> k.startsWith("alias/") || k.contains(":alias/")).orElse(false);
        }

        /**
         * The key of training and tuning ML storage volumes (ResourceConfig.VolumeKmsKeyId), which AWS's API
         * reference documents as a key id or key ARN only (unlike OutputDataConfig.KmsKeyId, which also takes
         * an alias): an alias still here (not {@link #resolved}) is refused rather than by SageMaker after the upload.
         */
        public Optional<String> trainingVolumeKey() {
            if (isAlias()) {
                throw JobException.usage("sagemaker.kms_key_id is the alias " + kmsKeyId.get() + ": SageMaker training volumes"
                        + " (ResourceConfig.VolumeKmsKeyId) take a key id or key ARN only, and the alias was not resolved;"
                        + " set MLOPS_SAGEMAKER_KMS_KEY_ID to the key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
            }
            return kmsKeyId;
        }

        /**
         * The same protection with an alias replaced by the key ARN it points at ({@code describeKey}: KMS
         * DescribeKey's KeyMetadata.Arn), so the deployment can name the key by its alias (the pods get
         * {@code alias/<name_prefix>} from dags/environments/&lt;env&gt;.yaml: the key's id is only known after
         * it is created) and training volumes still get the key ARN they need.
         */
        public Protection resolved(java.util.function.UnaryOperator<String> describeKey) {
            if (!isAlias()) {
                return this;
            }
            String arn = describeKey.apply(kmsKeyId.get());
            if (arn == null || !arn.contains(":key/")) {
                throw JobException.usage("sagemaker.kms_key_id: the alias " + kmsKeyId.get() + " did not resolve to a key ARN (got " + arn + ")");
            }
            return new Protection(Optional.of(arn), networkIsolation);
        }

        /** KMS DescribeKey of an alias, in the region, with the default credentials (IRSA in a pod): the key's ARN. */
        public static String describeKey(String alias, String region) {
            try (software.amazon.awssdk.services.kms.KmsClient kms = software.amazon.awssdk.services.kms.KmsClient.builder()
                    .region(software.amazon.awssdk.regions.Region.of(region))
                    .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
                return kms.describeKey(b -> b.keyId(alias)).keyMetadata().arn();
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                throw JobException.usage("sagemaker.kms_key_id: cannot resolve the alias " + alias + " to its key with KMS DescribeKey"
                        + " (the train role needs kms:DescribeKey on the key): " + e.getMessage());
            }
        }
    }

    private final SageMakerClient client;
    private final SparkSession spark;
    private final Lake lake;
    private final String roleArn;
    private final String region;
    private final Protection protection;
    private final Duration firstPoll;
    private final Duration maxPoll;
    private final PrintWriter progress;

    SageMakerTrainer(SageMakerClient client, SparkSession spark, Lake lake, String roleArn, String region, Protection protection,
                     Duration firstPoll, Duration maxPoll, PrintWriter progress) {
        this.client = client;
        this.spark = spark;
        this.lake = lake;
        this.roleArn = roleArn;
        this.region = region;
        this.protection = protection;
        protection.trainingVolumeKey(); // an alias fails here, before anything is uploaded
        this.firstPoll = firstPoll;
        this.maxPoll = maxPoll;
        this.progress = progress;
    }

    public static SageMakerClient client(Optional<URI> endpoint, String region, boolean staticTestCredentials) {
        SageMakerClientBuilder b = SageMakerClient.builder().region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(60)));
        endpoint.ifPresent(b::endpointOverride);
        b.credentialsProvider(staticTestCredentials ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build());
        return b.build();
    }

    /**
     * {@code <model>-<yyyymmdd>-<instance>-<attempt>}: a valid SageMaker name (letters, digits, hyphens; at
     * most 63). Too long, the model part is cut at its end (see {@link #boundedName}): the name keeps the
     * model's SageMaker name prefix the job roles' IAM policies match, and the date, instance and attempt.
     */
    static String jobName(String model, LocalDate date, long instance, int attempt) {
        return boundedName(model.replace('_', '-'), "-" + date.toString().replace("-", "") + "-" + instance + "-" + attempt, 63);
    }

    /**
     * {@code head + tail} when it fits in {@code max} characters; otherwise the head's start, a hyphen and
     * six hex digits of the SHA-256 of the whole head (two long heads sharing a start stay apart), then the
     * tail, which is always kept whole. At least the head's first 12 characters are kept.
     */
    public static String boundedName(String head, String tail, int max) {
        if (head.length() + tail.length() <= max) {
            return head + tail;
        }
        String hash = "-" + java.util.HexFormat.of().formatHex(sha256(head)).substring(0, 6);
        int keep = max - tail.length() - hash.length();
        if (keep < Math.min(12, head.length())) {
            throw new IllegalArgumentException("a SageMaker name of at most " + max + " characters cannot hold " + head + tail);
        }
        return head.substring(0, keep).replaceAll("-+$", "") + hash + tail;
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String image(TrainingSpec.SageMaker sm) {
        return image(sm, region);
    }

    /** The spec's image, else the region's built-in XGBoost image of the spec's version. */
    public static String image(TrainingSpec.SageMaker sm, String region) {
        if (sm.image() != null) {
            return sm.image();
        }
        String account = XGBOOST_ACCOUNTS.get(region);
        if (account == null) {
            throw JobException.usage("no built-in XGBoost image known for region " + region + "; set training.sagemaker.image in the spec");
        }
        return account + ".dkr.ecr." + region + ".amazonaws.com/sagemaker-xgboost:" + sm.xgboostVersion();
    }

    /** The current state of a job, or empty when SageMaker does not know it. */
    Optional<DescribeTrainingJobResponse> describe(String name) {
        return lookUp("DescribeTrainingJob " + name, () -> client.describeTrainingJob(b -> b.trainingJobName(name)));
    }

    /** A Describe call's answer, or empty when SageMaker says the resource does not exist. */
    public static <T> Optional<T> lookUp(String what, java.util.function.Supplier<T> call) {
        try {
            return Optional.of(call.get());
        } catch (SageMakerException e) {
            String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
            String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (("ValidationException".equals(code) || "ResourceNotFound".equals(code)) && (msg.contains("not found") || msg.contains("does not exist") || msg.contains("could not find"))) {
                return Optional.empty();
            }
            throw error(what, e);
        }
    }

    /**
     * Polls {@code describe} with exponential backoff until {@code finished}, printing each new
     * {@code state}; a job that disappears is a retryable failure.
     */
    private <T> T poll(String what, java.util.function.Supplier<Optional<T>> describe, java.util.function.Function<T, String> state,
                       java.util.function.Predicate<T> finished) {
        return poll("train", what, describe, state, finished, firstPoll, maxPoll, progress);
    }

    /**
     * Polls {@code describe} with exponential backoff (from {@code first} up to {@code max}) until
     * {@code finished}, printing each new {@code state} as "{@code job}: SageMaker what: state"; a
     * job that disappears is a retryable failure.
     */
    public static <T> T poll(String job, String what, java.util.function.Supplier<Optional<T>> describe,
                             java.util.function.Function<T, String> state, java.util.function.Predicate<T> finished, Duration first,
                             Duration max, PrintWriter progress) {
        Duration wait = first;
        String last = "";
        while (true) {
            T d = describe.get().orElseThrow(() -> JobException.retryable("SageMaker lost " + what, null));
            String now = state.apply(d);
            if (!now.equals(last)) {
                if (progress != null) {
                    progress.println(job + ": SageMaker " + what + ": " + now);
                    progress.flush();
                }
                last = now;
            }
            if (finished.test(d)) {
                return d;
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw JobException.retryable("interrupted while waiting for SageMaker " + what + " (it keeps running; a retry re-attaches)", e);
            }
            wait = wait.multipliedBy(2).compareTo(max) > 0 ? max : wait.multipliedBy(2);
        }
    }

    public static JobException error(String what, SageMakerException e) {
        String code = e.awsErrorDetails() == null ? String.valueOf(e.statusCode()) : e.awsErrorDetails().errorCode();
        if (e.isThrottlingException() || e.statusCode() >= 500) {
            return JobException.retryable(what + " failed (" + code + "): " + e.getMessage(), e);
        }
        return JobException.usage(what + " refused (" + code + "): " + e.getMessage());
    }

    /** Writes a split as the XGBoost container's CSV: label first, then the features in order, no header. */
    String uploadCsv(Dataset<Row> split, List<String> features, String label, Path target) {
        List<Column> cols = new ArrayList<>();
        cols.add(col(label).cast("double"));
        features.forEach(f -> cols.add(col(f).cast("double")));
        split.select(cols.toArray(Column[]::new)).write().mode("overwrite").option("header", "false").option("nullValue", "")
                .csv(target.toString());
        return s3(target);
    }

    /** The s3:// form of a lake path (S3A's s3a:// is what Hadoop uses, s3:// is what SageMaker takes). */
    public static String s3(Path p) {
        String s = p.toString();
        if (s.startsWith("s3a://")) {
            return "s3://" + s.substring("s3a://".length());
        }
        if (!s.startsWith("s3://")) {
            throw JobException.usage("the sagemaker backend needs the lake on S3 (lake.uri s3://...), got " + s);
        }
        return s;
    }

    /** Creates the job unless it exists; returns its name. */
    void create(String name, TrainingSpec.SageMaker sm, Map<String, Object> hyperparameters, String trainUri, String validationUri,
                Path root, Map<String, String> tags) {
        Map<String, String> hp = new LinkedHashMap<>();
        hyperparameters.forEach((k, v) -> hp.put(k, String.valueOf(v)));
        List<Tag> tagList = new ArrayList<>();
        tags.forEach((k, v) -> tagList.add(Tag.builder().key(k).value(v).build()));
        StoppingCondition.Builder stop = StoppingCondition.builder().maxRuntimeInSeconds((int) sm.maxRuntime().value().toSeconds());
        if (sm.spot()) {
            stop.maxWaitTimeInSeconds((int) sm.maxWait().value().toSeconds());
        }
        CreateTrainingJobRequest.Builder req = CreateTrainingJobRequest.builder()
                .trainingJobName(name)
                .roleArn(roleArn)
                .algorithmSpecification(AlgorithmSpecification.builder().trainingImage(image(sm)).trainingInputMode(TrainingInputMode.FILE).build())
                .hyperParameters(hp)
                .inputDataConfig(channel("train", trainUri), channel("validation", validationUri))
                .outputDataConfig(outputDataConfig(root))
                .resourceConfig(resourceConfig(sm))
                .stoppingCondition(stop.build())
                .enableManagedSpotTraining(sm.spot())
                .enableNetworkIsolation(protection.networkIsolation())
                .tags(tagList);
        if (sm.spot()) {
            req.checkpointConfig(CheckpointConfig.builder().s3Uri(s3(new Path(root, "checkpoints"))).build());
        }
        try {
            client.createTrainingJob(req.build());
            say("train: submitted SageMaker training job %s (%s x %d%s)", name, sm.instanceType(), sm.instanceCount(), sm.spot() ? ", spot" : "");
        } catch (ResourceInUseException e) {
            say("train: SageMaker training job %s already exists: re-attaching", name);
        } catch (SageMakerException e) {
            throw error("CreateTrainingJob " + name, e);
        }
    }

    /** The job's output (model.tar.gz, checkpoints go with it) encrypted with the environment's key, when set. */
    private OutputDataConfig outputDataConfig(Path root) {
        OutputDataConfig.Builder b = OutputDataConfig.builder().s3OutputPath(s3(new Path(root, "output")));
        protection.kmsKeyId().ifPresent(b::kmsKeyId);
        return b.build();
    }

    /** The instances, and their ML storage volumes encrypted with the environment's key, when set. */
    private ResourceConfig resourceConfig(TrainingSpec.SageMaker sm) {
        ResourceConfig.Builder b = ResourceConfig.builder().instanceType(sm.instanceType()).instanceCount(sm.instanceCount())
                .volumeSizeInGB(sm.volumeGb());
        protection.trainingVolumeKey().ifPresent(b::volumeKmsKeyId);
        return b.build();
    }

    private static Channel channel(String name, String uri) {
        return Channel.builder().channelName(name).contentType("text/csv")
                .dataSource(DataSource.builder().s3DataSource(S3DataSource.builder().s3DataType(S3DataType.S3_PREFIX).s3Uri(uri)
                        .s3DataDistributionType(S3DataDistribution.FULLY_REPLICATED).build()).build()).build();
    }

    /** Waits for the job with backoff, printing status changes; returns the final description. */
    DescribeTrainingJobResponse await(String name) {
        return poll("training job " + name, () -> describe(name),
                d -> d.trainingJobStatusAsString() + " / " + d.secondaryStatusAsString(),
                d -> d.trainingJobStatus() == TrainingJobStatus.COMPLETED || d.trainingJobStatus() == TrainingJobStatus.FAILED
                        || d.trainingJobStatus() == TrainingJobStatus.STOPPED);
    }

    /** A tuning job name: at most 32 characters (SageMaker's limit), unique per run and attempt. */
    static String tuningJobName(String model, LocalDate date, long instance, int attempt) {
        String tail = "-" + date.toString().replace("-", "").substring(2) + "-" + instance + "-" + attempt;
        String head = model.replace('_', '-');
        head = head.substring(0, Math.min(head.length(), 32 - tail.length())).replaceAll("-+$", "");
        return head + tail;
    }

    /**
     * Submits a Bayesian hyperparameter tuning job over the spec's ranges (integer parameters as
     * integer ranges), minimizing or maximizing the validation metric, with the trial budget.
     */
    void createTuning(String name, TrainingSpec.SageMaker sm, Map<String, Object> hyperparameters, TrainingSpec.Tuning tuning,
                      String trainUri, String validationUri, Path root, Map<String, String> tags) {
        String metric = String.valueOf(hyperparameters.getOrDefault("eval_metric",
                LocalXgboost.defaultMetric(String.valueOf(hyperparameters.get("objective")))));
        Map<String, String> fixed = new LinkedHashMap<>();
        hyperparameters.forEach((k, v) -> {
            if (!tuning.ranges().containsKey(k)) {
                fixed.put(k, String.valueOf(v));
            }
        });
        List<software.amazon.awssdk.services.sagemaker.model.ContinuousParameterRange> continuous = new ArrayList<>();
        List<software.amazon.awssdk.services.sagemaker.model.IntegerParameterRange> integer = new ArrayList<>();
        tuning.ranges().forEach((k, r) -> {
            if (LocalXgboost.INTEGER.contains(k)) {
                integer.add(software.amazon.awssdk.services.sagemaker.model.IntegerParameterRange.builder().name(k)
                        .minValue(Long.toString(Math.round(r.get(0)))).maxValue(Long.toString(Math.round(r.get(1))))
                        .scalingType("Auto").build());
            } else {
                continuous.add(software.amazon.awssdk.services.sagemaker.model.ContinuousParameterRange.builder().name(k)
                        .minValue(Double.toString(r.get(0))).maxValue(Double.toString(r.get(1))).scalingType("Auto").build());
            }
        });
        List<Tag> tagList = new ArrayList<>();
        tags.forEach((k, v) -> tagList.add(Tag.builder().key(k).value(v).build()));
        StoppingCondition.Builder stop = StoppingCondition.builder().maxRuntimeInSeconds((int) sm.maxRuntime().value().toSeconds());
        if (sm.spot()) {
            stop.maxWaitTimeInSeconds((int) sm.maxWait().value().toSeconds());
        }
        var definition = software.amazon.awssdk.services.sagemaker.model.HyperParameterTrainingJobDefinition.builder()
                .algorithmSpecification(software.amazon.awssdk.services.sagemaker.model.HyperParameterAlgorithmSpecification.builder()
                        .trainingImage(image(sm)).trainingInputMode(TrainingInputMode.FILE).build())
                .roleArn(roleArn)
                .staticHyperParameters(fixed)
                .inputDataConfig(channel("train", trainUri), channel("validation", validationUri))
                .outputDataConfig(outputDataConfig(root))
                .resourceConfig(resourceConfig(sm))
                .stoppingCondition(stop.build())
                .enableManagedSpotTraining(sm.spot())
                .enableNetworkIsolation(protection.networkIsolation());
        if (sm.spot()) {
            definition.checkpointConfig(CheckpointConfig.builder().s3Uri(s3(new Path(root, "checkpoints"))).build());
        }
        var config = software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobConfig.builder()
                .strategy("Bayesian")
                .hyperParameterTuningJobObjective(o -> o.type(LocalXgboost.higherIsBetter(metric) ? "Maximize" : "Minimize")
                        .metricName("validation:" + metric))
                .resourceLimits(l -> l.maxNumberOfTrainingJobs(tuning.trials()).maxParallelTrainingJobs(Math.min(2, tuning.trials())))
                .parameterRanges(pr -> pr.continuousParameterRanges(continuous).integerParameterRanges(integer))
                .trainingJobEarlyStoppingType("Off")
                .build();
        try {
            client.createHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name).hyperParameterTuningJobConfig(config)
                    .trainingJobDefinition(definition.build()).tags(tagList));
            say("train: submitted SageMaker tuning job %s (Bayesian, %d trials, objective validation:%s)", name, tuning.trials(), metric);
        } catch (ResourceInUseException e) {
            say("train: SageMaker tuning job %s already exists: re-attaching", name);
        } catch (SageMakerException e) {
            throw error("CreateHyperParameterTuningJob " + name, e);
        }
    }

    /** The state of a tuning job, or empty when SageMaker does not know it. */
    Optional<software.amazon.awssdk.services.sagemaker.model.DescribeHyperParameterTuningJobResponse> describeTuning(String name) {
        return lookUp("DescribeHyperParameterTuningJob " + name, () -> client.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name)));
    }

    /** Waits for a tuning job with backoff, printing status changes and the trial counts. */
    software.amazon.awssdk.services.sagemaker.model.DescribeHyperParameterTuningJobResponse awaitTuning(String name) {
        return poll("tuning job " + name, () -> describeTuning(name), d -> {
            var c = d.trainingJobStatusCounters();
            return d.hyperParameterTuningJobStatusAsString() + (c == null ? "" : " (" + c.completed() + " completed, "
                    + c.inProgress() + " running, " + c.nonRetryableError() + " failed)");
        }, d -> List.of("Completed", "Failed", "Stopped").contains(d.hyperParameterTuningJobStatusAsString()));
    }

    /** The model package group of a model: its name with hyphens. */
    static String groupName(String model) {
        return model.replace('_', '-');
    }

    /**
     * Mirrors a registered version into SageMaker's model registry: the model package group (created
     * on first use) and a model package with the artifact, the metrics file, the approval status and
     * customer metadata. Idempotent for a run (the client token is the run's).
     */
    String registerModelPackage(String model, int version, String status, TrainingSpec.SageMaker sm, String artifact, String metrics,
                                Map<String, String> metadata, String clientToken) {
        String group = groupName(model);
        try {
            try {
                client.describeModelPackageGroup(b -> b.modelPackageGroupName(group));
            } catch (SageMakerException e) {
                if (e.statusCode() >= 500 || e.isThrottlingException()) {
                    throw e;
                }
                client.createModelPackageGroup(b -> b.modelPackageGroupName(group).modelPackageGroupDescription("versions of model " + model));
            }
            var r = client.createModelPackage(b -> b.modelPackageGroupName(group)
                    .modelPackageDescription(model + " version " + version)
                    .clientToken(clientToken)
                    .modelApprovalStatus(status)
                    .customerMetadataProperties(metadata)
                    .inferenceSpecification(i -> i.containers(c -> c.image(image(sm)).modelDataUrl(s3(new Path(artifact))))
                            .supportedContentTypes("text/csv").supportedResponseMIMETypes("text/csv"))
                    .modelMetrics(m -> m.modelQuality(q -> q.statistics(st -> st.contentType("application/json").s3Uri(s3(new Path(metrics)))))));
            say("train: SageMaker model package %s (%s)", r.modelPackageArn(), status);
            return r.modelPackageArn();
        } catch (SageMakerException e) {
            throw error("CreateModelPackage for " + model + " version " + version, e);
        }
    }

    /** Reads {@code xgboost-model} out of a SageMaker model.tar.gz. */
    byte[] model(String s3Uri) {
        return readModel(lake, s3Uri);
    }

    /** The booster inside a {@code model.tar.gz} (an s3:// URI is read through the lake's s3a filesystem). */
    public static byte[] readModel(Lake lake, String s3Uri) {
        Path p = new Path(s3Uri.startsWith("s3://") && lake.root().toString().startsWith("s3a://") ? "s3a://" + s3Uri.substring(5) : s3Uri);
        try (var in = lake.fs(p).open(p); TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.getName().replaceFirst("^\\./", "").equals(TrainJob.MODEL_FILE)) {
                    return tar.readAllBytes();
                }
            }
            throw JobException.retryable(s3Uri + " has no " + TrainJob.MODEL_FILE, null);
        } catch (IOException e) {
            throw JobException.retryable("cannot read the model artifact " + s3Uri + ": " + e.getMessage(), e);
        }
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }
}
