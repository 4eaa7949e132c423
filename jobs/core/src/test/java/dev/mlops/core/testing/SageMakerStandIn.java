package dev.mlops.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A local stand-in for the SageMaker API: point an AWS SDK v2 {@code SageMakerClient} at
 * {@link #endpoint()} (region us-east-1, or the one {@link #start(String, String)} names; any static credentials). It speaks AWS JSON 1.1, checks
 * that requests are SigV4-signed for {@code sagemaker}, validates every request against AWS's own
 * API model ({@link SageMakerApiModel}: required members, types, enums, lengths, patterns,
 * ranges, nested shapes) and answers as the service does: {@code ValidationException} with the
 * service's message, {@code ResourceInUse} for a duplicate job name, minimal responses that are
 * themselves valid against the model's output shapes (a response that is not is a stand-in bug
 * and answers 500).
 *
 * <p>Jobs (training, tuning, transform) report {@code InProgress} for the first
 * {@link #describesUntilDone(int)} describes (training: SecondaryStatus {@code Starting}, then
 * {@code Training}), then {@code Completed}; at that moment the {@link #onComplete} hooks run
 * with the job's create request, so a test can put the job's output (the training job's
 * {@link #modelArtifacts model.tar.gz}, the transform's files) where the job would have.
 * {@link #failNext} / {@link #failJob} make a job end {@code Failed} instead. Hooks run while
 * the stand-in holds its lock: they must not call the stand-in.
 *
 * <p>Serves: CreateTrainingJob, DescribeTrainingJob, StopTrainingJob, CreateHyperParameterTuningJob,
 * DescribeHyperParameterTuningJob, CreateModelPackageGroup, DescribeModelPackageGroup,
 * CreateModelPackage, UpdateModelPackage, DescribeModelPackage, CreateModel, CreateTransformJob,
 * DescribeTransformJob, CreateEndpointConfig, UpdateEndpoint, DescribeEndpoint (endpoints are
 * seeded with {@link #withEndpoint}; there is no CreateEndpoint).
 */
public final class SageMakerStandIn implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "123456789012";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    /** A request the stand-in accepted (answered 200), the access key id its signature names, and the answer. */
    public record Call(String operation, JsonNode body, String accessKeyId, JsonNode response) {
        public Call(String operation, JsonNode body) {
            this(operation, body, null, null);
        }
    }

    /** A request the stand-in answered with an error, and the access key id its signature names. */
    public record Rejection(String operation, JsonNode body, int status, String errorCode, String message, String accessKeyId) {
        public Rejection(String operation, JsonNode body, int status, String errorCode, String message) {
            this(operation, body, status, errorCode, message, null);
        }
    }

    /** The kinds of jobs that run and complete. */
    public enum JobKind { TRAINING, TUNING, TRANSFORM }

    private final ObjectMapper json = new ObjectMapper();
    private final String region;
    private final String account;
    private final SageMakerApiModel model = SageMakerApiModel.load();
    private final HttpServer server;
    private final ExecutorService executor;

    private final List<Call> calls = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private final List<Consumer<Call>> completeHooks = new ArrayList<>();
    private final Deque<Map.Entry<JobKind, String>> failNext = new ArrayDeque<>();
    private final Map<String, String> failJobs = new HashMap<>();
    private int describesUntilDone = 2;
    private double bestObjectiveValue = 0.25;

    private final Map<String, Job> trainingJobs = new LinkedHashMap<>();
    private final Map<String, Job> tuningJobs = new LinkedHashMap<>();
    private final Map<String, Job> transformJobs = new LinkedHashMap<>();
    private final Map<String, ObjectNode> groups = new LinkedHashMap<>();
    private final Map<String, ObjectNode> packages = new LinkedHashMap<>();
    private final Map<String, Integer> groupVersions = new HashMap<>();
    private final Map<String, ObjectNode> models = new LinkedHashMap<>();
    private final Map<String, ObjectNode> endpointConfigs = new LinkedHashMap<>();
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();

    private static final class Job {
        final JobKind kind;
        final Call create;
        final String name;
        final String arn;
        final Instant created = Instant.now();
        Instant started;
        Instant ended;
        Instant modified = created;
        int describes;
        String status = "InProgress";
        String secondary = "Starting";
        String failureReason;
        boolean stopping;
        String tuningJobArn;
        ObjectNode best;

        Job(JobKind kind, Call create, String name, String arn) {
            this.kind = kind;
            this.create = create;
            this.name = name;
            this.arn = arn;
        }

        boolean running() {
            return "InProgress".equals(status) || "Stopping".equals(status);
        }
    }

    private static final class Endpoint {
        final String name;
        final String arn;
        final Instant created = Instant.now();
        Instant modified = created;
        String configName;
        String pendingConfig;
        String status = "InService";
        int describes;
        String rollBackAlarm;
        String failureReason;

        Endpoint(String name, String arn, String configName) {
            this.name = name;
            this.arn = arn;
            this.configName = configName;
        }
    }

    /** An error answer, as the service words it. */
    private static final class ServiceError extends RuntimeException {
        final int status;
        final String code;

        ServiceError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private SageMakerStandIn(String region, String account) throws IOException {
        this.region = region;
        this.account = account;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sagemaker-stand-in");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a stand-in on 127.0.0.1 and a free port. */
    private String rollBackNext;

    public static SageMakerStandIn start() {
        return start(REGION, ACCOUNT);
    }

    /** Starts a stand-in that answers for {@code account} in {@code region} (its ARNs; requests must be signed for that region). */
    public static SageMakerStandIn start(String region, String account) {
        try {
            return new SageMakerStandIn(region, account);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** The API model requests are validated against. */
    public SageMakerApiModel model() {
        return model;
    }

    // ---- test control ----

    /** How many describes report a job InProgress before it completes (default 2; 0: the first describe completes it). */
    public synchronized SageMakerStandIn describesUntilDone(int describes) {
        if (describes < 0) {
            throw new IllegalArgumentException("describes < 0");
        }
        this.describesUntilDone = describes;
        return this;
    }

    /**
     * Runs when a job completes successfully, with its create request: {@code CreateTrainingJob},
     * {@code CreateHyperParameterTuningJob} or {@code CreateTransformJob}. A tuning job's best
     * training job completes with it: the hook first sees a {@code CreateTrainingJob} call made
     * from the tuning job's training definition (not in {@link #calls()}). A hook that throws makes
     * that describe answer 500 and the job stay InProgress.
     */
    public synchronized SageMakerStandIn onComplete(Consumer<Call> hook) {
        completeHooks.add(hook);
        return this;
    }

    /** The next job of any kind to finish ends Failed with this FailureReason. */
    public synchronized SageMakerStandIn failNext(String failureReason) {
        failNext.add(new AbstractMap.SimpleImmutableEntry<>(null, failureReason));
        return this;
    }

    /** The next job of this kind to finish ends Failed with this FailureReason. */
    public synchronized SageMakerStandIn failNext(JobKind kind, String failureReason) {
        failNext.add(new AbstractMap.SimpleImmutableEntry<>(kind, failureReason));
        return this;
    }

    /** The job (training, tuning or transform) with this name ends Failed with this FailureReason. */
    public synchronized SageMakerStandIn failJob(String jobName, String failureReason) {
        failJobs.put(key(jobName), failureReason);
        return this;
    }

    /** The FinalHyperParameterTuningJobObjectiveMetric value of tuning jobs' best training job (default 0.25). */
    public synchronized SageMakerStandIn bestObjectiveValue(double value) {
        this.bestObjectiveValue = value;
        return this;
    }

    /** An existing endpoint, InService with this endpoint config (the API subset has no CreateEndpoint). */
    public synchronized SageMakerStandIn withEndpoint(String endpointName, String endpointConfigName) {
        endpoints.put(key(endpointName), new Endpoint(endpointName, arn("endpoint", endpointName), endpointConfigName));
        return this;
    }

    /**
     * The next endpoint update is rolled back by its auto-rollback alarm (as when the canary fleet
     * fires a CloudWatch alarm): RollingBack, then InService on the old config with a FailureReason.
     * The update must name the alarm in its AutoRollbackConfiguration, or it completes.
     */
    public synchronized SageMakerStandIn rollBackNextUpdate(String alarmName) {
        this.rollBackNext = alarmName;
        return this;
    }

    /** Where a training job's model goes: {@code <OutputDataConfig.S3OutputPath>/<TrainingJobName>/output/model.tar.gz}. */
    public static String modelArtifacts(JsonNode createTrainingJob) {
        String out = createTrainingJob.path("OutputDataConfig").path("S3OutputPath").asText();
        while (out.endsWith("/")) {
            out = out.substring(0, out.length() - 1);
        }
        return out + "/" + createTrainingJob.path("TrainingJobName").asText() + "/output/model.tar.gz";
    }

    // ---- inspection ----

    /** Every accepted request, in order. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The accepted requests of one operation, e.g. {@code "CreateTrainingJob"}. */
    public synchronized List<Call> calls(String operation) {
        return calls.stream().filter(c -> c.operation().equals(operation)).toList();
    }

    /** Every request answered with an error, in order. */
    public synchronized List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        String operation = null;
        JsonNode body = null;
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        try {
            byte[] bytes;
            try (InputStream in = exchange.getRequestBody()) {
                bytes = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (!"POST".equals(exchange.getRequestMethod()) || target == null || !target.startsWith("SageMaker.")) {
                throw new ServiceError(400, "UnknownOperationException", null);
            }
            operation = target.substring("SageMaker.".length());
            checkSigned(authorization);
            if (!model.hasOperation(operation)) {
                throw new ServiceError(400, "UnknownOperationException", "SageMakerStandIn does not serve " + operation);
            }
            try {
                body = bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
            } catch (IOException e) {
                throw new ServiceError(400, "SerializationException", "Request body is not JSON: " + e.getMessage());
            }
            if (body == null || !body.isObject()) {
                throw new ServiceError(400, "SerializationException", "Request body must be a JSON object");
            }
            List<String> errors;
            try {
                errors = model.validateInput(operation, body);
            } catch (SageMakerApiModel.SerializationFailure e) {
                throw new ServiceError(400, "SerializationException", e.getMessage());
            }
            if (!errors.isEmpty()) {
                throw new ServiceError(400, "ValidationException", SageMakerApiModel.message(errors));
            }
            ObjectNode response;
            synchronized (this) {
                response = dispatch(operation, (ObjectNode) body);
                List<String> outErrors = model.validateOutput(operation, response);
                if (!outErrors.isEmpty()) {
                    throw new ServiceError(500, "InternalFailure",
                            "SageMakerStandIn bug: its " + operation + " response is invalid: " + SageMakerApiModel.message(outErrors));
                }
                calls.add(new Call(operation, body, accessKeyId(authorization), response.deepCopy()));
            }
            send(exchange, 200, null, response);
        } catch (ServiceError e) {
            synchronized (this) {
                rejections.add(new Rejection(operation, body, e.status, e.code, e.getMessage(), accessKeyId(authorization)));
            }
            ObjectNode error = json.createObjectNode().put("__type", e.code);
            if (e.getMessage() != null) {
                error.put("message", e.getMessage());
            }
            send(exchange, e.status, e.code, error);
        } catch (RuntimeException e) {
            e.printStackTrace();
            synchronized (this) {
                rejections.add(new Rejection(operation, body, 500, "InternalFailure", String.valueOf(e), accessKeyId(authorization)));
            }
            send(exchange, 500, "InternalFailure", json.createObjectNode().put("__type", "InternalFailure").put("message", String.valueOf(e)));
        } finally {
            exchange.close();
        }
    }

    /**
     * The access key id of a SigV4 Authorization header ({@code Credential=<key>/<date>/<region>/<service>/aws4_request});
     * null when the request is not signed.
     */
    public static String accessKeyId(String authorization) {
        if (authorization == null) {
            return null;
        }
        int i = authorization.indexOf("Credential=");
        return i < 0 ? null : authorization.substring(i + "Credential=".length()).split("/", 2)[0];
    }

    private void checkSigned(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ServiceError(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        if (!authorization.startsWith("AWS4-HMAC-SHA256")) {
            throw new ServiceError(400, "IncompleteSignatureException", "Authorization header requires AWS4-HMAC-SHA256 (Signature Version 4)");
        }
        if (!authorization.contains("/sagemaker/aws4_request")) {
            throw new ServiceError(403, "InvalidSignatureException", "Credential should be scoped to correct service: 'sagemaker'.");
        }
        if (!authorization.contains("/" + region + "/sagemaker/aws4_request")) {
            throw new ServiceError(403, "InvalidSignatureException", "Credential should be scoped to a valid region, not the one given: expected '"
                    + region + "'.");
        }
    }

    private void send(HttpExchange exchange, int status, String errorType, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (errorType != null) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- operations ----

    private ObjectNode dispatch(String op, ObjectNode in) {
        return switch (op) {
            case "CreateTrainingJob" -> createTrainingJob(in);
            case "DescribeTrainingJob" -> describeTrainingJob(in);
            case "StopTrainingJob" -> stopTrainingJob(in);
            case "CreateHyperParameterTuningJob" -> createTuningJob(in);
            case "DescribeHyperParameterTuningJob" -> describeTuningJob(in);
            case "CreateModelPackageGroup" -> createModelPackageGroup(in);
            case "DescribeModelPackageGroup" -> describeModelPackageGroup(in);
            case "CreateModelPackage" -> createModelPackage(in);
            case "UpdateModelPackage" -> updateModelPackage(in);
            case "DescribeModelPackage" -> describeModelPackage(in);
            case "CreateModel" -> createModel(in);
            case "CreateTransformJob" -> createTransformJob(in);
            case "DescribeTransformJob" -> describeTransformJob(in);
            case "CreateEndpointConfig" -> createEndpointConfig(in);
            case "UpdateEndpoint" -> updateEndpoint(in);
            case "DescribeEndpoint" -> describeEndpoint(in);
            default -> throw new ServiceError(400, "UnknownOperationException", "SageMakerStandIn does not serve " + op);
        };
    }

    private ObjectNode createTrainingJob(ObjectNode in) {
        String name = in.get("TrainingJobName").asText();
        Job existing = trainingJobs.get(key(name));
        if (existing != null) {
            throw new ServiceError(400, "ResourceInUse", "Training job names must be unique within an AWS account and region, "
                    + "and a training job with this name already exists (" + existing.arn + ")");
        }
        checkTrainingRules(in);
        Job job = new Job(JobKind.TRAINING, new Call("CreateTrainingJob", in), name, arn("training-job", name));
        trainingJobs.put(key(name), job);
        return object().put("TrainingJobArn", job.arn);
    }

    /** Rules the service checks beyond the model's constraints. */
    private static void checkTrainingRules(JsonNode in) {
        JsonNode algo = in.path("AlgorithmSpecification");
        if (algo.hasNonNull("TrainingImage") == algo.hasNonNull("AlgorithmName")) {
            throw validation("Exactly one of AlgorithmSpecification.TrainingImage or AlgorithmSpecification.AlgorithmName must be specified.");
        }
        JsonNode stop = in.path("StoppingCondition");
        boolean spot = in.path("EnableManagedSpotTraining").asBoolean(false);
        if (spot && (!stop.hasNonNull("MaxWaitTimeInSeconds")
                || stop.path("MaxWaitTimeInSeconds").asLong() < stop.path("MaxRuntimeInSeconds").asLong(86400))) {
            throw validation("Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds");
        }
        if (!spot && stop.hasNonNull("MaxWaitTimeInSeconds")) {
            throw validation("MaxWaitTimeInSeconds can only be set with EnableManagedSpotTraining.");
        }
        Set<String> channels = new HashSet<>();
        for (JsonNode c : in.path("InputDataConfig")) {
            if (!channels.add(c.path("ChannelName").asText())) {
                throw validation("Channel names must be unique within InputDataConfig: " + c.path("ChannelName").asText());
            }
        }
    }

    private ObjectNode describeTrainingJob(ObjectNode in) {
        Job job = trainingJobs.get(key(in.get("TrainingJobName").asText()));
        if (job == null) {
            throw validation("Requested resource not found.");
        }
        advance(job);
        JsonNode create = job.create.body();
        ObjectNode r = object();
        r.put("TrainingJobName", job.name).put("TrainingJobArn", job.arn);
        if (job.tuningJobArn != null) {
            r.put("TuningJobArn", job.tuningJobArn);
        }
        echo(create, r, model.output("DescribeTrainingJob"));
        r.set("ModelArtifacts", object().put("S3ModelArtifacts", modelArtifacts(create)));
        r.put("TrainingJobStatus", job.status).put("SecondaryStatus", job.secondary);
        if (job.failureReason != null) {
            r.put("FailureReason", job.failureReason);
        }
        r.set("CreationTime", time(job.created));
        r.set("LastModifiedTime", time(job.modified));
        if (job.started != null) {
            r.set("TrainingStartTime", time(job.started));
        }
        if (job.ended != null) {
            r.set("TrainingEndTime", time(job.ended));
            long seconds = Math.max(1, job.ended.getEpochSecond() - job.created.getEpochSecond());
            r.put("TrainingTimeInSeconds", seconds);
            r.put("BillableTimeInSeconds", seconds);
        }
        return r;
    }

    private ObjectNode stopTrainingJob(ObjectNode in) {
        Job job = trainingJobs.get(key(in.get("TrainingJobName").asText()));
        if (job == null) {
            throw validation("Requested resource not found.");
        }
        if (!"InProgress".equals(job.status)) {
            throw validation("The request was rejected because the training job is in status " + job.status + ".");
        }
        job.status = "Stopping";
        job.secondary = "Stopping";
        job.stopping = true;
        job.modified = Instant.now();
        return object();
    }

    private ObjectNode createTuningJob(ObjectNode in) {
        String name = in.get("HyperParameterTuningJobName").asText();
        Job existing = tuningJobs.get(key(name));
        if (existing != null) {
            throw new ServiceError(400, "ResourceInUse", "Hyperparameter tuning job names must be unique within an AWS account and region, "
                    + "and a hyperparameter tuning job with this name already exists (" + existing.arn + ")");
        }
        if (in.hasNonNull("TrainingJobDefinition") == in.hasNonNull("TrainingJobDefinitions")) {
            throw validation("Exactly one of TrainingJobDefinition or TrainingJobDefinitions must be specified.");
        }
        Job job = new Job(JobKind.TUNING, new Call("CreateHyperParameterTuningJob", in), name, arn("hyper-parameter-tuning-job", name));
        tuningJobs.put(key(name), job);
        return object().put("HyperParameterTuningJobArn", job.arn);
    }

    private ObjectNode describeTuningJob(ObjectNode in) {
        Job job = tuningJobs.get(key(in.get("HyperParameterTuningJobName").asText()));
        if (job == null) {
            throw validation("Requested resource not found.");
        }
        advance(job);
        ObjectNode r = object();
        r.put("HyperParameterTuningJobName", job.name).put("HyperParameterTuningJobArn", job.arn);
        echo(job.create.body(), r, model.output("DescribeHyperParameterTuningJob"));
        r.put("HyperParameterTuningJobStatus", job.status);
        r.set("CreationTime", time(job.created));
        r.set("LastModifiedTime", time(job.modified));
        if (job.ended != null) {
            r.set("HyperParameterTuningEndTime", time(job.ended));
        }
        boolean completed = "Completed".equals(job.status);
        ObjectNode counters = object();
        ObjectNode objective = object();
        if (job.running()) {
            counters.put("InProgress", 1);
            objective.put("Pending", 1);
        } else if (completed) {
            counters.put("Completed", 1);
            objective.put("Succeeded", 1);
        } else {
            counters.put("NonRetryableError", 1);
            objective.put("Failed", 1);
        }
        r.set("TrainingJobStatusCounters", counters);
        r.set("ObjectiveStatusCounters", objective);
        if (job.best != null) {
            r.set("BestTrainingJob", job.best);
            r.set("OverallBestTrainingJob", job.best);
        }
        if (job.failureReason != null) {
            r.put("FailureReason", job.failureReason);
        }
        return r;
    }

    private ObjectNode createModelPackageGroup(ObjectNode in) {
        String name = in.get("ModelPackageGroupName").asText();
        String arn = arn("model-package-group", name);
        if (groups.containsKey(key(name))) {
            throw validation("Model Package Group already exists: " + arn);
        }
        ObjectNode g = object().put("ModelPackageGroupName", name).put("ModelPackageGroupArn", arn);
        if (in.hasNonNull("ModelPackageGroupDescription")) {
            g.set("ModelPackageGroupDescription", in.get("ModelPackageGroupDescription"));
        }
        g.set("CreationTime", time(Instant.now()));
        g.set("CreatedBy", object());
        g.put("ModelPackageGroupStatus", "Completed");
        groups.put(key(name), g);
        return object().put("ModelPackageGroupArn", arn);
    }

    private ObjectNode describeModelPackageGroup(ObjectNode in) {
        ObjectNode g = groups.get(key(lastSegment(in.get("ModelPackageGroupName").asText())));
        if (g == null) {
            throw validation("ModelPackageGroup " + in.get("ModelPackageGroupName").asText() + " does not exist.");
        }
        return g.deepCopy();
    }

    private ObjectNode createModelPackage(ObjectNode in) {
        String arn;
        ObjectNode p = object();
        Instant now = Instant.now();
        if (in.hasNonNull("ModelPackageGroupName")) {
            if (in.hasNonNull("ModelPackageName")) {
                throw validation("ModelPackageName and ModelPackageGroupName cannot both be specified.");
            }
            String groupName = lastSegment(in.get("ModelPackageGroupName").asText());
            ObjectNode group = groups.get(key(groupName));
            if (group == null) {
                throw validation("Model Package Group " + groupName + " does not exist.");
            }
            groupName = group.get("ModelPackageGroupName").asText();
            int version = groupVersions.merge(key(groupName), 1, Integer::sum);
            arn = arn("model-package", groupName) + "/" + version;
            p.put("ModelPackageName", groupName).put("ModelPackageGroupName", groupName).put("ModelPackageVersion", version);
            p.put("ModelApprovalStatus", "PendingManualApproval");
        } else if (in.hasNonNull("ModelPackageName")) {
            String name = in.get("ModelPackageName").asText();
            arn = arn("model-package", name);
            if (packages.containsKey(arn)) {
                throw validation("Model Package already exists: " + arn);
            }
            p.put("ModelPackageName", name);
        } else {
            throw validation("Either ModelPackageName or ModelPackageGroupName must be specified.");
        }
        p.put("ModelPackageArn", arn);
        p.set("CreationTime", time(now));
        p.put("ModelPackageStatus", "Completed");
        p.set("ModelPackageStatusDetails", object().set("ValidationStatuses", json.createArrayNode()));
        p.set("CreatedBy", object());
        echo(in, p, model.output("DescribeModelPackage"));
        packages.put(arn, p);
        return object().put("ModelPackageArn", arn);
    }

    private ObjectNode updateModelPackage(ObjectNode in) {
        ObjectNode p = modelPackage(in.get("ModelPackageArn").asText());
        for (String field : List.of("ModelApprovalStatus", "ApprovalDescription", "InferenceSpecification", "SourceUri", "ModelCard")) {
            if (in.hasNonNull(field)) {
                p.set(field, in.get(field).deepCopy());
            }
        }
        if (in.hasNonNull("CustomerMetadataProperties") || in.hasNonNull("CustomerMetadataPropertiesToRemove")) {
            ObjectNode props = p.has("CustomerMetadataProperties") ? (ObjectNode) p.get("CustomerMetadataProperties") : object();
            if (in.hasNonNull("CustomerMetadataProperties")) {
                props.setAll((ObjectNode) in.get("CustomerMetadataProperties"));
            }
            in.path("CustomerMetadataPropertiesToRemove").forEach(k -> props.remove(k.asText()));
            p.set("CustomerMetadataProperties", props);
        }
        if (in.hasNonNull("AdditionalInferenceSpecificationsToAdd")) {
            ArrayNode specs = p.has("AdditionalInferenceSpecifications") ? (ArrayNode) p.get("AdditionalInferenceSpecifications")
                    : json.createArrayNode();
            specs.addAll((ArrayNode) in.get("AdditionalInferenceSpecificationsToAdd"));
            p.set("AdditionalInferenceSpecifications", specs);
        }
        p.set("LastModifiedTime", time(Instant.now()));
        List<String> errors = model.validateOutput("DescribeModelPackage", p);
        if (!errors.isEmpty()) {
            throw validation(SageMakerApiModel.message(errors));
        }
        return object().put("ModelPackageArn", p.get("ModelPackageArn").asText());
    }

    private ObjectNode describeModelPackage(ObjectNode in) {
        return modelPackage(in.get("ModelPackageName").asText()).deepCopy();
    }

    private ObjectNode modelPackage(String nameOrArn) {
        ObjectNode p = packages.get(nameOrArn.startsWith("arn:") ? nameOrArn.toLowerCase(Locale.ROOT) : arn("model-package", nameOrArn));
        if (p == null) {
            throw validation("ModelPackage " + nameOrArn + " does not exist.");
        }
        return p;
    }

    private ObjectNode createModel(ObjectNode in) {
        String name = in.get("ModelName").asText();
        String arn = arn("model", name);
        if (models.containsKey(key(name))) {
            throw validation("Cannot create already existing model \"" + arn + "\".");
        }
        if (!in.hasNonNull("PrimaryContainer") && !in.hasNonNull("Containers")) {
            throw validation("Either PrimaryContainer or Containers must be specified.");
        }
        models.put(key(name), in);
        return object().put("ModelArn", arn);
    }

    private ObjectNode createTransformJob(ObjectNode in) {
        String name = in.get("TransformJobName").asText();
        Job existing = transformJobs.get(key(name));
        if (existing != null) {
            throw new ServiceError(400, "ResourceInUse", "Job name must be unique within an AWS account and region, "
                    + "and a job with this name already exists (" + existing.arn + ")");
        }
        String modelName = in.get("ModelName").asText();
        if (!models.containsKey(key(modelName))) {
            throw validation("Could not find model \"" + arn("model", modelName) + "\".");
        }
        Job job = new Job(JobKind.TRANSFORM, new Call("CreateTransformJob", in), name, arn("transform-job", name));
        transformJobs.put(key(name), job);
        return object().put("TransformJobArn", job.arn);
    }

    private ObjectNode describeTransformJob(ObjectNode in) {
        Job job = transformJobs.get(key(in.get("TransformJobName").asText()));
        if (job == null) {
            throw validation("Could not find requested job with name " + in.get("TransformJobName").asText());
        }
        advance(job);
        ObjectNode r = object();
        r.put("TransformJobName", job.name).put("TransformJobArn", job.arn);
        echo(job.create.body(), r, model.output("DescribeTransformJob"));
        r.put("TransformJobStatus", job.status);
        if (job.failureReason != null) {
            r.put("FailureReason", job.failureReason);
        }
        r.set("CreationTime", time(job.created));
        if (job.started != null) {
            r.set("TransformStartTime", time(job.started));
        }
        if (job.ended != null) {
            r.set("TransformEndTime", time(job.ended));
        }
        return r;
    }

    private ObjectNode createEndpointConfig(ObjectNode in) {
        String name = in.get("EndpointConfigName").asText();
        String arn = arn("endpoint-config", name);
        if (endpointConfigs.containsKey(key(name))) {
            throw validation("Cannot create already existing endpoint configuration \"" + arn + "\".");
        }
        for (JsonNode variant : in.get("ProductionVariants")) {
            if (variant.hasNonNull("ModelName") && !models.containsKey(key(variant.get("ModelName").asText()))) {
                throw validation("Could not find model \"" + arn("model", variant.get("ModelName").asText()) + "\".");
            }
        }
        endpointConfigs.put(key(name), in);
        return object().put("EndpointConfigArn", arn);
    }

    private ObjectNode updateEndpoint(ObjectNode in) {
        String name = in.get("EndpointName").asText();
        Endpoint e = endpoints.get(key(name));
        if (e == null) {
            throw validation("Could not find endpoint \"" + arn("endpoint", name) + "\".");
        }
        String config = in.get("EndpointConfigName").asText();
        if (!endpointConfigs.containsKey(key(config))) {
            throw validation("Could not find endpoint configuration \"" + arn("endpoint-config", config) + "\".");
        }
        if (!"InService".equals(e.status)) {
            throw validation("Cannot update in-progress endpoint \"" + e.arn + "\".");
        }
        e.status = "Updating";
        e.pendingConfig = config;
        e.describes = 0;
        e.failureReason = null;
        e.rollBackAlarm = null;
        if (rollBackNext != null) {
            for (JsonNode a : in.path("DeploymentConfig").path("AutoRollbackConfiguration").path("Alarms")) {
                if (rollBackNext.equals(a.path("AlarmName").asText())) {
                    e.rollBackAlarm = rollBackNext;
                    rollBackNext = null;
                    break;
                }
            }
        }
        e.modified = Instant.now();
        return object().put("EndpointArn", e.arn);
    }

    private ObjectNode describeEndpoint(ObjectNode in) {
        String name = in.get("EndpointName").asText();
        Endpoint e = endpoints.get(key(name));
        if (e == null) {
            throw validation("Could not find endpoint \"" + arn("endpoint", name) + "\".");
        }
        if ("RollingBack".equals(e.status)) {
            e.status = "InService";
            e.pendingConfig = null;
            e.modified = Instant.now();
        } else if ("Updating".equals(e.status) && ++e.describes > describesUntilDone) {
            if (e.rollBackAlarm != null) {
                e.status = "RollingBack";
                e.failureReason = "Deployment rolled back: alarm " + e.rollBackAlarm + " went into ALARM state during the canary";
            } else {
                e.status = "InService";
                e.configName = e.pendingConfig;
                e.pendingConfig = null;
            }
            e.modified = Instant.now();
        }
        ObjectNode r = object().put("EndpointName", e.name).put("EndpointArn", e.arn).put("EndpointConfigName", e.configName);
        ObjectNode config = endpointConfigs.get(key(e.configName));
        if (config != null) {
            ArrayNode variants = json.createArrayNode();
            for (JsonNode v : config.get("ProductionVariants")) {
                ObjectNode s = variants.addObject().put("VariantName", v.get("VariantName").asText());
                double weight = v.path("InitialVariantWeight").asDouble(1.0);
                s.put("CurrentWeight", weight).put("DesiredWeight", weight);
                if (v.hasNonNull("InitialInstanceCount")) {
                    s.put("CurrentInstanceCount", v.get("InitialInstanceCount").asInt()).put("DesiredInstanceCount", v.get("InitialInstanceCount").asInt());
                }
            }
            r.set("ProductionVariants", variants);
        }
        r.put("EndpointStatus", e.status);
        if (e.failureReason != null) {
            r.put("FailureReason", e.failureReason);
        }
        r.set("CreationTime", time(e.created));
        r.set("LastModifiedTime", time(e.modified));
        return r;
    }

    // ---- job life ----

    /** One describe of a running job: InProgress for describesUntilDone describes, then it finishes. */
    private void advance(Job job) {
        if (!job.running()) {
            return;
        }
        job.describes++;
        if (job.stopping) {
            job.status = "Stopped";
            job.secondary = "Stopped";
            job.ended = job.modified = Instant.now();
            return;
        }
        if (job.describes <= describesUntilDone) {
            job.secondary = job.describes == 1 ? "Starting" : "Training";
            if (job.describes > 1 && job.started == null) {
                job.started = job.modified = Instant.now();
            }
            return;
        }
        String reason = failureFor(job);
        Instant now = Instant.now();
        if (job.started == null) {
            job.started = now;
        }
        if (reason != null) {
            job.status = "Failed";
            job.secondary = "Failed";
            job.failureReason = reason;
            job.ended = job.modified = now;
            return;
        }
        Job best = job.kind == JobKind.TUNING ? bestTrainingJob(job) : null;
        try {
            if (best != null) {
                completeHooks.forEach(h -> h.accept(best.create));
            }
            completeHooks.forEach(h -> h.accept(job.create));
        } catch (RuntimeException e) {
            job.describes--;
            throw new ServiceError(500, "InternalFailure", "SageMakerStandIn onComplete hook failed for " + job.name + ": " + e);
        }
        if (best != null) {
            trainingJobs.put(key(best.name), best);
            job.best = bestSummary(job, best);
        }
        job.status = "Completed";
        job.secondary = "Completed";
        job.ended = job.modified = now;
    }

    private String failureFor(Job job) {
        String reason = failJobs.remove(key(job.name));
        if (reason != null) {
            return reason;
        }
        for (Iterator<Map.Entry<JobKind, String>> it = failNext.iterator(); it.hasNext(); ) {
            Map.Entry<JobKind, String> e = it.next();
            if (e.getKey() == null || e.getKey() == job.kind) {
                it.remove();
                return e.getValue();
            }
        }
        return null;
    }

    /** The best training job of a tuning job that completes: a completed training job made from its definition. */
    private Job bestTrainingJob(Job tuning) {
        JsonNode create = tuning.create.body();
        JsonNode definition = create.hasNonNull("TrainingJobDefinition") ? create.get("TrainingJobDefinition")
                : create.path("TrainingJobDefinitions").path(0);
        String name = tuning.name + "-001-abcdef12";
        ObjectNode body = object().put("TrainingJobName", name);
        definition.fields().forEachRemaining(e -> body.set(e.getKey(), e.getValue().deepCopy()));
        if (!body.hasNonNull("ResourceConfig")) {
            JsonNode hp = definition.path("HyperParameterTuningResourceConfig");
            ObjectNode rc = object().put("InstanceType", hp.path("InstanceType").asText("ml.m5.xlarge"))
                    .put("InstanceCount", hp.path("InstanceCount").asInt(1)).put("VolumeSizeInGB", hp.path("VolumeSizeInGB").asInt(30));
            body.set("ResourceConfig", rc);
        }
        ObjectNode hyper = object();
        if (definition.hasNonNull("StaticHyperParameters")) {
            hyper.setAll((ObjectNode) definition.get("StaticHyperParameters"));
        }
        hyper.setAll(tunedHyperParameters(create, definition));
        body.set("HyperParameters", hyper);
        Job best = new Job(JobKind.TRAINING, new Call("CreateTrainingJob", body), name, arn("training-job", name));
        best.status = "Completed";
        best.secondary = "Completed";
        best.started = tuning.started;
        best.ended = best.modified = Instant.now();
        best.tuningJobArn = tuning.arn;
        return best;
    }

    private ObjectNode tunedHyperParameters(JsonNode create, JsonNode definition) {
        JsonNode ranges = create.path("HyperParameterTuningJobConfig").hasNonNull("ParameterRanges")
                ? create.path("HyperParameterTuningJobConfig").get("ParameterRanges") : definition.path("HyperParameterRanges");
        ObjectNode tuned = object();
        for (JsonNode r : ranges.path("IntegerParameterRanges")) {
            try {
                tuned.put(r.get("Name").asText(), String.valueOf((Long.parseLong(r.get("MinValue").asText())
                        + Long.parseLong(r.get("MaxValue").asText())) / 2));
            } catch (NumberFormatException e) {
                tuned.put(r.get("Name").asText(), r.get("MinValue").asText());
            }
        }
        for (JsonNode r : ranges.path("ContinuousParameterRanges")) {
            try {
                tuned.put(r.get("Name").asText(), String.valueOf((Double.parseDouble(r.get("MinValue").asText())
                        + Double.parseDouble(r.get("MaxValue").asText())) / 2));
            } catch (NumberFormatException e) {
                tuned.put(r.get("Name").asText(), r.get("MinValue").asText());
            }
        }
        for (JsonNode r : ranges.path("CategoricalParameterRanges")) {
            tuned.put(r.get("Name").asText(), r.path("Values").path(0).asText());
        }
        return tuned;
    }

    private ObjectNode bestSummary(Job tuning, Job best) {
        JsonNode create = tuning.create.body();
        JsonNode objective = create.path("HyperParameterTuningJobConfig").path("HyperParameterTuningJobObjective");
        if (objective.isMissingNode()) {
            JsonNode definition = create.hasNonNull("TrainingJobDefinition") ? create.get("TrainingJobDefinition")
                    : create.path("TrainingJobDefinitions").path(0);
            objective = definition.path("TuningObjective");
        }
        ObjectNode metric = object();
        if (objective.hasNonNull("Type")) {
            metric.put("Type", objective.get("Type").asText());
        }
        metric.put("MetricName", objective.path("MetricName").asText("objective"));
        metric.put("Value", (float) bestObjectiveValue);
        ObjectNode s = object().put("TrainingJobName", best.name).put("TrainingJobArn", best.arn);
        JsonNode definitionName = create.path("TrainingJobDefinitions").path(0).path("DefinitionName");
        if (definitionName.isTextual()) {
            s.put("TrainingJobDefinitionName", definitionName.asText());
        }
        s.put("TuningJobName", tuning.name);
        s.set("CreationTime", time(best.started == null ? tuning.created : best.started));
        s.set("TrainingStartTime", time(best.started == null ? tuning.created : best.started));
        s.set("TrainingEndTime", time(best.ended));
        s.put("TrainingJobStatus", "Completed");
        s.set("TunedHyperParameters", tunedHyperParameters(create,
                create.hasNonNull("TrainingJobDefinition") ? create.get("TrainingJobDefinition") : create.path("TrainingJobDefinitions").path(0)));
        s.set("FinalHyperParameterTuningJobObjectiveMetric", metric);
        s.put("ObjectiveStatus", "Succeeded");
        return s;
    }

    // ---- helpers ----

    /** Copies the members of {@code from} that the output structure has too, when valid there. */
    private void echo(JsonNode from, ObjectNode to, JsonNode outputStructure) {
        Iterator<String> names = outputStructure.path("members").fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            JsonNode v = from.get(name);
            if (v == null || v.isNull() || to.has(name)) {
                continue;
            }
            try {
                if (model.validate(model.member(outputStructure, name), v).isEmpty()) {
                    to.set(name, v.deepCopy());
                }
            } catch (SageMakerApiModel.SerializationFailure e) {
                // not the same shape in the output: leave it out
            }
        }
    }

    private static ServiceError validation(String message) {
        return new ServiceError(400, "ValidationException", message);
    }

    private ObjectNode object() {
        return json.createObjectNode();
    }

    /** Epoch seconds with milliseconds, as JSON 1.1 sends timestamps. */
    private static DecimalNode time(Instant t) {
        return new DecimalNode(BigDecimal.valueOf(t.toEpochMilli(), 3));
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static String lastSegment(String nameOrArn) {
        return nameOrArn.startsWith("arn:") ? nameOrArn.substring(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
    }

    /** The service's ARN for a resource in this stand-in's region and account (it lower-cases the name). */
    String arn(String resourceType, String name) {
        return "arn:aws:sagemaker:" + region + ":" + account + ":" + resourceType + "/" + name.toLowerCase(Locale.ROOT);
    }
}
