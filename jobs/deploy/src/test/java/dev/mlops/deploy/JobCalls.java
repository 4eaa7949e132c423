package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.deploy.IamSimulator.Call;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The AWS calls a job's pod makes, built from the pod's own environment (its URIs and ARNs, as the DAG renders
 * them) and the SageMaker, DynamoDB and CloudWatch names the job code uses, each with the outcome the job needs:
 * allowed for what it does, denied for what it must not (other jobs' prefixes, deleting anchors, other alarms).
 * The lake areas per job are the catalog's (modules/job_policies/jobs.tf); the URIs they are joined to are the pod's.
 */
final class JobCalls {
    private JobCalls() {
    }

    static List<Call> of(String job, JsonNode podEnv, JsonNode rendered, Map<String, Map<String, Boolean>> specs, String date) {
        List<Call> out = new ArrayList<>(lake(job, podEnv, rendered, date));
        out.addAll(auditAnchor(job, podEnv, rendered, date));
        out.addAll(sagemaker(job, podEnv, rendered, specs, date));
        out.addAll(onlineStore(job, podEnv, rendered, specs));
        out.addAll(alarms(job, rendered));
        return out;
    }

    /** S3A on the lake: list, read, stage, publish (rename = copy + delete) in the job's areas; other jobs' areas denied. */
    static List<Call> lake(String job, JsonNode podEnv, JsonNode rendered, String date) {
        Ctx c = new Ctx(job, rendered);
        JsonNode catalog = rendered.path("catalog").path(job);
        Set<String> reads = texts(catalog.path("reads"));
        Set<String> writes = texts(catalog.path("writes"));
        URI lake = URI.create(podEnv.path("MLOPS_LAKE_URI").asText());
        URI landing = URI.create(podEnv.path("MLOPS_LANDING_URI").asText());
        List<Call> out = new ArrayList<>();
        for (String area : reads) {
            URI root = area.equals("landing") ? landing : lake.resolve(lake.getPath() + "/" + area);
            String key = key(root) + "/zone_demand/dt=" + date + "/part-00000.parquet";
            out.add(c.call("s3:GetObject", "arn:aws:s3:::" + root.getHost() + "/" + key, Map.of(), true, "read " + area));
            out.add(c.call("s3:ListBucket", "arn:aws:s3:::" + root.getHost(), Map.of("s3:prefix", key(root) + "/zone_demand/"), true, "list " + area));
        }
        List<String> own = new ArrayList<>(writes);
        own.add("_staging/" + job);
        for (String area : own) {
            String key = key(lake) + "/" + area + "/zone_demand/dt=" + date + "/part-00000.parquet";
            String arn = "arn:aws:s3:::" + lake.getHost() + "/" + key;
            out.add(c.call("s3:PutObject", arn, Map.of(), true, "write " + area));
            out.add(c.call("s3:DeleteObject", arn, Map.of(), true, "publish by rename in " + area));
            out.add(c.call("s3:ListBucket", "arn:aws:s3:::" + lake.getHost(), Map.of("s3:prefix", key(lake) + "/" + area + "/"), true, "list " + area));
        }
        // SSE-KMS: S3 asks KMS for a data key on writes and decrypts on reads, in the job's name (kms:ViaService s3)
        Map<String, String> viaS3 = Map.of("kms:ViaService", "s3." + c.region + ".amazonaws.com");
        out.add(c.keyCall("kms:GenerateDataKey", viaS3, true, "SSE-KMS data key of a write"));
        out.add(c.keyCall("kms:Decrypt", viaS3, true, "SSE-KMS read"));
        out.add(c.keyCall("kms:Decrypt", Map.of(), false, "the key only through S3"));
        // S3A probes the lake root when it creates a path under it
        out.add(c.call("s3:GetObject", "arn:aws:s3:::" + lake.getHost() + "/" + key(lake), Map.of(), true, "S3A's probe of the lake root"));
        Set<String> others = new TreeSet<>();
        rendered.path("catalog").fields().forEachRemaining(e -> others.addAll(texts(e.getValue().path("writes"))));
        others.removeAll(writes);
        others.add("_staging/" + (job.equals("ingest") ? "validate" : "ingest"));
        for (String area : others) {
            String arn = "arn:aws:s3:::" + lake.getHost() + "/" + key(lake) + "/" + area + "/zone_demand/dt=" + date + "/x.parquet";
            out.add(c.call("s3:PutObject", arn, Map.of(), false, "another job's area " + area));
        }
        out.add(c.call("s3:GetObject", "arn:aws:s3:::" + lake.getHost() + "/other-env/validated/x.parquet", Map.of(), false,
                "outside the environment's lake root"));
        return out;
    }

    /** The audit ledger's anchor: promote writes write-once objects, never deletes; no other job writes there. */
    static List<Call> auditAnchor(String job, JsonNode podEnv, JsonNode rendered, String date) {
        Ctx c = new Ctx(job, rendered);
        boolean anchors = rendered.path("catalog").path(job).path("audit_anchor").asBoolean();
        URI anchor = URI.create(podEnv.path("MLOPS_AUDIT_ANCHOR_URI").asText());
        String arn = "arn:aws:s3:::" + anchor.getHost() + "/" + key(anchor) + "/dt=" + date + "/head.json";
        return List.of(
                c.call("s3:PutObject", arn, Map.of(), anchors, "write the day's anchor"),
                c.call("s3:GetObject", arn, Map.of(), anchors, "read an anchor back (verify, idempotent re-run)"),
                c.call("s3:ListBucket", "arn:aws:s3:::" + anchor.getHost(), Map.of("s3:prefix", key(anchor) + "/"), anchors, "list anchors"),
                c.call("s3:DeleteObject", arn, Map.of(), false, "anchors are never deleted"),
                c.call("s3:PutObjectRetention", arn, Map.of(), false, "retention is the bucket's, not the job's"));
    }

    /** SageMaker: names as SageMakerTrainer / SageMakerTransformer / EndpointDeployer build them; PassRole of the pod's role ARN. */
    static List<Call> sagemaker(String job, JsonNode podEnv, JsonNode rendered, Map<String, Map<String, Boolean>> specs, String date) {
        Ctx c = new Ctx(job, rendered);
        String step = rendered.path("catalog").path(job).path("sagemaker").asText();
        String sm = "arn:aws:sagemaker:" + c.region + ":" + c.account + ":";
        String day = date.replace("-", "");
        List<Call> out = new ArrayList<>();
        out.add(c.call("iam:PassRole", podEnv.path("MLOPS_SAGEMAKER_ROLE_ARN").asText(), Map.of("iam:PassedToService", "sagemaker.amazonaws.com"),
                !step.equals("none"), "pass the execution role to SageMaker"));
        out.add(c.call("iam:PassRole", podEnv.path("MLOPS_SAGEMAKER_ROLE_ARN").asText(), Map.of("iam:PassedToService", "ec2.amazonaws.com"),
                false, "the role is for SageMaker only"));
        for (String model : specs.keySet()) {
            String n = model.replace('_', '-');
            out.add(c.call("sagemaker:CreateTrainingJob", sm + "training-job/" + n + "-" + day + "-1-1", Map.of(), step.equals("train"), "train"));
            out.add(c.call("sagemaker:DescribeTrainingJob", sm + "training-job/" + n + "-" + day + "-1-1", Map.of(), step.equals("train"), "train"));
            out.add(c.call("sagemaker:CreateHyperParameterTuningJob", sm + "hyper-parameter-tuning-job/" + n + "-" + day.substring(2) + "-1-1",
                    Map.of(), step.equals("train"), "tune"));
            out.add(c.call("sagemaker:CreateModelPackage", sm + "model-package/" + n + "/3", Map.of(), step.equals("train"), "register"));
            out.add(c.call("sagemaker:CreateModelPackageGroup", sm + "model-package-group/" + n, Map.of(), step.equals("train"), "register"));
            out.add(c.call("sagemaker:CreateModel", sm + "model/" + n + "-v3", Map.of(), step.equals("transform") || step.equals("promote"),
                    "the version's model (batch transform, endpoint)"));
            out.add(c.call("sagemaker:AddTags", sm + "model/" + n + "-v3", Map.of(), step.equals("transform") || step.equals("promote"),
                    "models are created with tags"));
            out.add(c.call("sagemaker:CreateTransformJob", sm + "transform-job/" + n + "-" + day + "-1-1", Map.of(), step.equals("transform"),
                    "batch transform"));
            out.add(c.call("sagemaker:UpdateModelPackage", sm + "model-package/" + n + "/3", Map.of(), step.equals("promote"), "approve"));
            out.add(c.call("sagemaker:CreateEndpointConfig", sm + "endpoint-config/" + n + "-v3-" + day, Map.of(), step.equals("promote"),
                    "endpoint configuration"));
            out.add(c.call("sagemaker:UpdateEndpoint", sm + "endpoint/" + n, Map.of(), step.equals("promote"), "deploy"));
            out.add(c.call("sagemaker:DescribeEndpoint", sm + "endpoint/" + n, Map.of(), step.equals("promote"), "wait for the endpoint"));
        }
        out.add(c.call("sagemaker:CreateTrainingJob", sm + "training-job/another-teams-model-" + day, Map.of(), false, "another model's job"));
        // the pod names the key by its alias (MLOPS_SAGEMAKER_KMS_KEY_ID); train resolves it for training volumes
        out.add(c.keyCall("kms:DescribeKey", Map.of(), step.equals("train"), "resolve the key alias for training volumes"));
        return out;
    }

    /** DynamoDB: features writes every online group's table and `mlops features get` reads one item; no one else. */
    static List<Call> onlineStore(String job, JsonNode podEnv, JsonNode rendered, Map<String, Map<String, Boolean>> specs) {
        Ctx c = new Ctx(job, rendered);
        boolean online = rendered.path("catalog").path(job).path("online_store").asBoolean();
        String prefix = podEnv.path("MLOPS_DYNAMODB_TABLE_PREFIX").asText();
        List<Call> out = new ArrayList<>();
        specs.forEach((model, groups) -> groups.forEach((group, on) -> {
            if (on) {
                String table = "arn:aws:dynamodb:" + c.region + ":" + c.account + ":table/" + prefix + model + "-" + group;
                for (String action : List.of("dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:DescribeTable")) {
                    out.add(c.call(action, table, Map.of(), online, "online store"));
                }
                out.add(c.call("dynamodb:DeleteTable", table, Map.of(), false, "no job drops a table"));
            }
        }));
        return out;
    }

    /** CloudWatch: promote reads the alarms under the environment's prefix, nothing else. */
    static List<Call> alarms(String job, JsonNode rendered) {
        Ctx c = new Ctx(job, rendered);
        boolean reads = rendered.path("catalog").path(job).path("describe_alarms").asBoolean();
        String prefix = rendered.path("settings").path("alarm_name_prefix").asText();
        String arn = "arn:aws:cloudwatch:" + c.region + ":" + c.account + ":alarm:";
        return List.of(c.call("cloudwatch:DescribeAlarms", arn + prefix + "zone-demand-5xx", Map.of(), reads, "promote's alarm gate"),
                c.call("cloudwatch:DescribeAlarms", arn + "billing-team-budget", Map.of(), false, "another team's alarm"));
    }

    private static String key(URI uri) {
        String p = uri.getPath();
        return p.startsWith("/") ? p.substring(1) : p;
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The job's role and policy, as the environment names them. */
    private record Ctx(String job, String account, String region, String principal, String policy, String keyPolicy) {
        Ctx(String job, JsonNode rendered) {
            this(job, rendered.path("settings").path("account_id").asText(), rendered.path("settings").path("region").asText(),
                    "arn:aws:iam::" + rendered.path("settings").path("account_id").asText() + ":role/"
                            + rendered.path("settings").path("name_prefix").asText() + "-" + job,
                    rendered.path("documents").path(job).asText(), rendered.path("key_policy").asText(null));
        }

        Call call(String action, String resource, Map<String, String> context, boolean allowed, String why) {
            return new Call(job, principal, account, action, resource, context, policy, null, allowed, why);
        }

        /** A call on the environment's KMS key: KMS also needs the key policy to allow it (modules/kms delegates to IAM). */
        Call keyCall(String action, Map<String, String> context, boolean allowed, String why) {
            String key = "arn:aws:kms:" + region + ":" + account + ":key/" + TerraformRender.KMS_KEY_ID;
            return new Call(job, principal, account, action, key, context, policy, keyPolicy, allowed, why);
        }
    }
}
