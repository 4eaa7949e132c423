package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.deploy.IamSimulator.Call;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The AWS calls the rehearsal's pods made, read from the servers' own request logs (S3Mock's access log, the DynamoDB
 * and KMS recorders, the SageMaker stand-in's calls) and turned into the IAM requests AWS authorizes for them: the
 * action, the resource ARN, the request context (s3:prefix of a list, iam:PassedToService of a PassRole) and the
 * caller, known by its access key id (named after the pod's service account, as IRSA maps it to the job's role).
 * Calls signed with another key (the test's own setup, SageMaker's containers) are not a pod's and are left out.
 */
final class RecordedCalls {
    private final String partition = "aws";
    private final String region;
    private final String account;
    private final String namePrefix;
    private final String serviceAccountPrefix;
    private final JsonNode documents;
    private final List<Call> calls = new ArrayList<>();
    private final List<String> unmapped = new ArrayList<>();

    /**
     * @param rendered {settings, documents} as {@link TerraformRender#render} gives them for the environment
     * @param serviceAccountPrefix the environment's service_account_prefix (service account = prefix + job)
     */
    RecordedCalls(JsonNode rendered, String serviceAccountPrefix) {
        JsonNode s = rendered.path("settings");
        this.region = s.path("region").asText();
        this.account = s.path("account_id").asText();
        this.namePrefix = s.path("name_prefix").asText();
        this.serviceAccountPrefix = serviceAccountPrefix;
        this.documents = rendered.path("documents");
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Requests that name a pod's identity but no IAM action this class knows: the test fails on any. */
    List<String> unmapped() {
        return List.copyOf(unmapped);
    }

    /** The job a pod's access key id names ({@link PodRunner#accessKeyId} of its service account), or null when the key is not a pod's. */
    private String job(String accessKeyId) {
        if (accessKeyId == null) {
            return null;
        }
        for (java.util.Iterator<String> jobs = documents.fieldNames(); jobs.hasNext(); ) {
            String job = jobs.next();
            if (PodRunner.accessKeyId(serviceAccountPrefix + job).equals(accessKeyId)) {
                return job;
            }
        }
        return null;
    }

    private void add(String job, String action, String resource, Map<String, String> context, String request) {
        add(job, action, resource, context, null, request);
    }

    private void add(String job, String action, String resource, Map<String, String> context, String resourcePolicy, String request) {
        calls.add(new Call(job, "arn:" + partition + ":iam::" + account + ":role/" + namePrefix + "-" + job, account, action, resource, context,
                documents.path(job).asText(), resourcePolicy, true, request));
    }

    // ---- S3 ----

    /** S3Mock's request log ({@code S3MockServer.REQUEST_LOG_PATTERN}: method|path|query|status|authorization|copy source|sse|kms key). */
    RecordedCalls s3(Path requestLog) {
        List<String> lines;
        try {
            lines = Files.readAllLines(requestLog, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : lines) {
            String[] f = line.split("\\|", -1);
            if (f.length < 8) {
                continue;
            }
            String job = job(SageMakerStandIn.accessKeyId(dash(f[4])));
            if (job != null) {
                s3(job, f[0], f[1], dash(f[2]), dash(f[5]), dash(f[7]), line);
            }
        }
        return this;
    }

    private void s3(String job, String method, String rawPath, String rawQuery, String copySource, String kmsKey, String line) {
        String path = URI.create("http://s3" + rawPath).getPath();
        String bucketAndKey = path.startsWith("/") ? path.substring(1) : path;
        int slash = bucketAndKey.indexOf('/');
        String bucket = slash < 0 ? bucketAndKey : bucketAndKey.substring(0, slash);
        String key = slash < 0 ? "" : bucketAndKey.substring(slash + 1);
        Map<String, String> q = query(rawQuery);
        String bucketArn = "arn:" + partition + ":s3:::" + bucket;
        String objectArn = bucketArn + "/" + key;
        Map<String, String> sse = kmsKey == null ? Map.of() : Map.of("s3:x-amz-server-side-encryption-aws-kms-key-id", kmsKey);
        String request = method + " " + rawPath + (rawQuery == null ? "" : rawQuery);
        if (key.isEmpty()) {
            switch (method) {
                case "GET", "HEAD" -> {
                    if (q.containsKey("location")) {
                        add(job, "s3:GetBucketLocation", bucketArn, Map.of(), request);
                    } else if (q.containsKey("uploads")) {
                        add(job, "s3:ListBucketMultipartUploads", bucketArn, Map.of(), request);
                    } else if (q.keySet().stream().allMatch(k -> List.of("list-type", "prefix", "delimiter", "max-keys", "continuation-token",
                            "start-after", "encoding-type", "fetch-owner", "marker").contains(k))) {
                        add(job, "s3:ListBucket", bucketArn, q.containsKey("prefix") ? Map.of("s3:prefix", q.get("prefix")) : Map.of(), request);
                    } else {
                        unmapped.add(job + ": " + line);
                    }
                }
                default -> unmapped.add(job + ": " + line);
            }
            return;
        }
        switch (method) {
            case "GET", "HEAD" -> {
                if (q.isEmpty() || q.containsKey("partNumber") || q.containsKey("versionId")) {
                    add(job, "s3:GetObject", objectArn, Map.of(), request);
                } else if (q.containsKey("uploadId")) {
                    add(job, "s3:ListMultipartUploadParts", objectArn, Map.of(), request);
                } else {
                    unmapped.add(job + ": " + line);
                }
            }
            case "PUT" -> {
                if (q.containsKey("retention") || q.containsKey("legal-hold") || q.containsKey("tagging") || q.containsKey("acl")) {
                    unmapped.add(job + ": " + line);
                    return;
                }
                add(job, "s3:PutObject", objectArn, sse, request);
                if (copySource != null) {
                    String source = URLDecoder.decode(copySource, StandardCharsets.UTF_8);
                    source = source.startsWith("/") ? source.substring(1) : source;
                    int v = source.indexOf("?versionId=");
                    add(job, "s3:GetObject", "arn:" + partition + ":s3:::" + (v < 0 ? source : source.substring(0, v)), Map.of(),
                            request + " (copy source)");
                }
            }
            case "POST" -> {
                if (q.containsKey("uploads") || q.containsKey("uploadId")) {
                    add(job, "s3:PutObject", objectArn, sse, request);
                } else {
                    unmapped.add(job + ": " + line);
                }
            }
            case "DELETE" -> add(job, q.containsKey("uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject", objectArn, Map.of(), request);
            default -> unmapped.add(job + ": " + line);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : (raw.startsWith("?") ? raw.substring(1) : raw).split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            out.put(k, eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Tomcat logs a missing value as "-". */
    private static String dash(String v) {
        return v == null || v.equals("-") || v.isEmpty() ? null : v;
    }

    // ---- DynamoDB, KMS ----

    RecordedCalls dynamodb(List<AwsJsonRecorder.Request> requests) {
        for (AwsJsonRecorder.Request r : requests) {
            String job = job(r.accessKeyId());
            if (job == null) {
                continue;
            }
            String action = "dynamodb:" + r.operation();
            List<String> tables = new ArrayList<>();
            if (r.body().has("TableName")) {
                tables.add(r.body().path("TableName").asText());
            }
            r.body().path("RequestItems").fieldNames().forEachRemaining(tables::add);
            if (tables.isEmpty()) {
                add(job, action, "*", Map.of(), r.operation());
            }
            for (String t : tables) {
                add(job, action, "arn:" + partition + ":dynamodb:" + region + ":" + account + ":table/" + t, Map.of(), r.operation() + " " + t);
            }
        }
        return this;
    }

    /**
     * KMS requests; {@code keyArn} is the key an alias names (IAM authorizes a call by alias on the key), evaluated with
     * the key's policy too ({@code keyPolicy}: KMS needs both to allow).
     */
    RecordedCalls kms(List<AwsJsonRecorder.Request> requests, String keyArn, String keyPolicy) {
        for (AwsJsonRecorder.Request r : requests) {
            String job = job(r.accessKeyId());
            if (job != null) {
                add(job, "kms:" + r.operation(), keyArn, Map.of(), keyPolicy, r.operation() + " " + r.body().path("KeyId").asText());
            }
        }
        return this;
    }

    // ---- SageMaker ----

    /**
     * The SageMaker requests the stand-in accepted, and those it answered "not found": a job's look-up before it creates
     * (re-attaching after a restart) is authorized like any call, whatever the answer.
     */
    RecordedCalls sagemaker(List<SageMakerStandIn.Call> accepted, List<SageMakerStandIn.Rejection> rejected) {
        List<SageMakerStandIn.Call> stand = new ArrayList<>(accepted);
        for (SageMakerStandIn.Rejection r : rejected) {
            if (r.operation() != null && r.operation().startsWith("Describe") && r.body() != null) {
                stand.add(new SageMakerStandIn.Call(r.operation(), r.body(), r.accessKeyId(), com.fasterxml.jackson.databind.node.MissingNode.getInstance()));
            } else if (job(r.accessKeyId()) != null) {
                unmapped.add(job(r.accessKeyId()) + ": sagemaker " + r.operation() + " refused by the stand-in: " + r.message());
            }
        }
        String sm = "arn:" + partition + ":sagemaker:" + region + ":" + account + ":";
        for (SageMakerStandIn.Call c : stand) {
            String job = job(c.accessKeyId());
            if (job == null) {
                continue;
            }
            JsonNode b = c.body();
            String op = c.operation();
            String resource = switch (op) {
                case "CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob" -> sm + "training-job/" + lower(b.path("TrainingJobName"));
                case "CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob" ->
                        sm + "hyper-parameter-tuning-job/" + lower(b.path("HyperParameterTuningJobName"));
                case "CreateModelPackageGroup", "DescribeModelPackageGroup" -> sm + "model-package-group/" + lower(b.path("ModelPackageGroupName"));
                case "CreateModelPackage" -> c.response().path("ModelPackageArn").asText();
                case "UpdateModelPackage" -> b.path("ModelPackageArn").asText();
                case "DescribeModelPackage" -> b.path("ModelPackageName").asText().startsWith("arn:") ? b.path("ModelPackageName").asText()
                        : sm + "model-package/" + lower(b.path("ModelPackageName"));
                case "CreateModel" -> sm + "model/" + lower(b.path("ModelName"));
                case "CreateTransformJob", "DescribeTransformJob" -> sm + "transform-job/" + lower(b.path("TransformJobName"));
                case "CreateEndpointConfig" -> sm + "endpoint-config/" + lower(b.path("EndpointConfigName"));
                case "UpdateEndpoint", "DescribeEndpoint" -> sm + "endpoint/" + lower(b.path("EndpointName"));
                default -> null;
            };
            if (resource == null || resource.isEmpty()) {
                unmapped.add(job + ": sagemaker " + op + " " + b);
                continue;
            }
            add(job, "sagemaker:" + op, resource, Map.of(), op);
            if (b.path("Tags").size() > 0) {
                add(job, "sagemaker:AddTags", resource, Map.of(), op + " with Tags");
            }
            for (String role : List.of(b.path("RoleArn").asText(""), b.path("ExecutionRoleArn").asText(""),
                    b.path("TrainingJobDefinition").path("RoleArn").asText(""))) {
                if (!role.isEmpty()) {
                    add(job, "iam:PassRole", role, Map.of("iam:PassedToService", "sagemaker.amazonaws.com"), op + " passes " + role);
                }
            }
        }
        return this;
    }

    private static String lower(JsonNode name) {
        return name.asText().toLowerCase(java.util.Locale.ROOT);
    }
}
