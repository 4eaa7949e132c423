package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.deploy.TerraformConfig.Block;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Structure and policy checks of a parsed Terraform tree. Each check returns its violations, one line
 * each, starting with the file and the block's address; an empty list means the check holds.
 *
 * <p>The checks read the configuration as written, not as planned: values that are expressions are
 * recognised by form ({@code aws_s3_bucket.x.id}, {@code each.value.arn}, {@code local.jobs}), and
 * where a check needs a value it cannot see (an IAM action list built by an expression, a job list
 * that is not a literal or a local) it reports that as a violation rather than assume it is fine.
 */
final class TerraformChecks {

    /** The provider-free policy module whose documents are rendered with terraform and checked (DeploymentConsistencyTest). */
    static final String RENDERED_POLICY_MODULE = "job_policies";
    static final Pattern RENDERED_POLICY_REF = Pattern.compile("^\\$\\{module\\.([A-Za-z0-9_-]+)\\.documents\\[[^\\]]*\\]}$");

    /** Resource types whose attribute holds an IAM policy document, and that attribute. */
    static final Map<String, String> POLICY_ATTRIBUTES = Map.ofEntries(
            Map.entry("aws_iam_role", "assume_role_policy"),
            Map.entry("aws_iam_policy", "policy"),
            Map.entry("aws_iam_role_policy", "policy"),
            Map.entry("aws_iam_user_policy", "policy"),
            Map.entry("aws_iam_group_policy", "policy"),
            Map.entry("aws_s3_bucket_policy", "policy"),
            Map.entry("aws_kms_key", "policy"),
            Map.entry("aws_ecr_repository_policy", "policy"),
            Map.entry("aws_dynamodb_resource_policy", "policy"),
            Map.entry("aws_secretsmanager_secret_policy", "policy"),
            Map.entry("aws_sns_topic_policy", "policy"),
            Map.entry("aws_sqs_queue_policy", "policy"));

    static final List<String> MODULE_FILES = List.of("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md");

    private static final Pattern BUCKET_REF = Pattern.compile("\\baws_s3_bucket\\.([A-Za-z0-9_-]+)(\\[([^\\]]*)\\])?\\.(id|bucket)\\b");
    private static final Pattern POLICY_DOC_REF = Pattern.compile(
            "^\\$\\{data\\.aws_iam_policy_document\\.([A-Za-z0-9_-]+)(\\[[^\\]]*\\])?\\.(json|minified_json)}$");
    private static final Pattern LOCAL_REF = Pattern.compile("^\\$\\{local\\.([A-Za-z0-9_]+)}$");
    private static final Pattern SERVICE_WILDCARD = Pattern.compile("^[a-z0-9-]+:\\*$");

    private final TerraformConfig tf;

    TerraformChecks(TerraformConfig tf) {
        this.tf = tf;
    }

    // ------------------------------------------------------------------ S3

    /**
     * Every {@code aws_s3_bucket} (every instance of a for_each) has: default encryption SSE-KMS with a
     * key, versioning Enabled, a public access block with all four flags true, object ownership
     * BucketOwnerEnforced (no ACLs), and a bucket policy from a policy document that denies every
     * request without TLS ({@code aws:SecureTransport = false}).
     */
    List<String> buckets() {
        List<String> out = new ArrayList<>();
        for (Block bucket : tf.resources("aws_s3_bucket")) {
            String at = tf.where(bucket);
            if (!bucket.body().path("acl").isMissingNode() || !bucket.body().path("server_side_encryption_configuration").isMissingNode()) {
                out.add(at + ": acl / server_side_encryption_configuration inside aws_s3_bucket: use the separate resources");
            }
            Set<String> keys = instanceKeys(bucket);
            requireCompanion(out, bucket, keys, "aws_s3_bucket_server_side_encryption_configuration",
                    "no SSE-KMS default encryption (aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and a kms_master_key_id)",
                    c -> {
                        for (JsonNode rule : Hcl.each(c.body().path("rule"))) {
                            for (JsonNode d : Hcl.each(rule.path("apply_server_side_encryption_by_default"))) {
                                String alg = d.path("sse_algorithm").asText("");
                                if ((alg.equals("aws:kms") || alg.equals("aws:kms:dsse")) && !d.path("kms_master_key_id").asText("").isBlank()) {
                                    return true;
                                }
                            }
                        }
                        return false;
                    });
            requireCompanion(out, bucket, keys, "aws_s3_bucket_versioning",
                    "no versioning (aws_s3_bucket_versioning with status Enabled)",
                    c -> {
                        for (JsonNode v : Hcl.each(c.body().path("versioning_configuration"))) {
                            if (v.path("status").asText("").equals("Enabled")) {
                                return true;
                            }
                        }
                        return false;
                    });
            requireCompanion(out, bucket, keys, "aws_s3_bucket_public_access_block",
                    "public access not blocked (aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, "
                            + "ignore_public_acls and restrict_public_buckets all true)",
                    c -> Stream.of("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
                            .allMatch(f -> c.body().path(f).isBoolean() && c.body().path(f).asBoolean()));
            requireCompanion(out, bucket, keys, "aws_s3_bucket_ownership_controls",
                    "ACLs not disabled (aws_s3_bucket_ownership_controls with object_ownership BucketOwnerEnforced)",
                    c -> {
                        for (JsonNode rule : Hcl.each(c.body().path("rule"))) {
                            if (rule.path("object_ownership").asText("").equals("BucketOwnerEnforced")) {
                                return true;
                            }
                        }
                        return false;
                    });
            requireCompanion(out, bucket, keys, "aws_s3_bucket_policy",
                    "no TLS-only bucket policy (aws_s3_bucket_policy from an aws_iam_policy_document with a Deny of s3:* to * "
                            + "when aws:SecureTransport is false, on the bucket and its objects)",
                    c -> policyDocuments(c, "policy").stream().anyMatch(this::deniesInsecureTransport));
            requireCompanion(out, bucket, keys, "aws_s3_bucket_policy",
                    "no bucket policy refusing uploads that name another KMS key (a Deny of s3:PutObject to * when "
                            + KMS_KEY_HEADER + " is present (Null false) and StringNotEquals the environment's key, or "
                            + "StringNotEqualsIfExists; a bare StringNotEquals also refuses uploads that name no key, e.g. S3A's)",
                    c -> policyDocuments(c, "policy").stream().anyMatch(this::deniesForeignKmsKey));
            objectLock(out, bucket);
        }
        for (Block acl : tf.resources("aws_s3_bucket_acl")) {
            String canned = acl.text("acl");
            if (canned.startsWith("public") || canned.equals("authenticated-read")) {
                out.add(tf.where(acl) + ": canned ACL " + canned + " makes the bucket public");
            }
        }
        return out;
    }

    static final String KMS_KEY_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    private static final Pattern EACH_KEY_IS = Pattern.compile("^\\$\\{each\\.key\\s*==\\s*\"([^\"]+)\"}$");

    /**
     * A Deny of s3:PutObject to everyone when the upload names a KMS key other than the listed ones: the
     * key-id condition as StringNotEquals with a Null-false guard on the same key (uploads naming no key take
     * the bucket default and pass), or as StringNotEqualsIfExists.
     */
    private boolean deniesForeignKmsKey(Block doc) {
        for (JsonNode s : statements(doc)) {
            boolean deny = s.path("effect").asText("").equals("Deny");
            boolean everyone = false;
            for (JsonNode p : Hcl.each(s.path("principals"))) {
                everyone |= (p.path("type").asText("").equals("*") || p.path("type").asText("").equals("AWS")) && texts(p.path("identifiers")).contains("*");
            }
            List<String> actions = texts(s.path("actions"));
            boolean put = actions.contains("s3:PutObject") || actions.contains("s3:*") || actions.contains("*");
            boolean notEquals = false;
            boolean ifExists = false;
            boolean present = false;
            for (JsonNode c : Hcl.each(s.path("condition"))) {
                if (!c.path("variable").asText("").equals(KMS_KEY_HEADER)) {
                    continue;
                }
                String test = c.path("test").asText("");
                boolean hasValues = !c.path("values").isMissingNode() && (c.path("values").isTextual() || !texts(c.path("values")).isEmpty());
                notEquals |= test.equals("StringNotEquals") && hasValues;
                ifExists |= test.equals("StringNotEqualsIfExists") && hasValues;
                present |= test.equals("Null") && texts(c.path("values")).equals(List.of("false"));
            }
            if (deny && everyone && put && (ifExists || notEquals && present)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A bucket with Object Lock (object_lock_enabled true, or {@code each.key == "k"} for one instance of a
     * for_each) has a default retention (aws_s3_bucket_object_lock_configuration: mode COMPLIANCE or
     * GOVERNANCE, days or years), and no lifecycle rule of it expires objects or old versions (a lock
     * outlives no expiry: an anchor is kept).
     */
    private void objectLock(List<String> out, Block bucket) {
        Set<String> locked = objectLockKeys(bucket);
        if (locked.isEmpty()) {
            return;
        }
        requireCompanion(out, bucket, locked, "aws_s3_bucket_object_lock_configuration",
                "Object Lock without a default retention (aws_s3_bucket_object_lock_configuration with rule.default_retention: "
                        + "mode COMPLIANCE or GOVERNANCE, and days or years)",
                c -> {
                    for (JsonNode rule : Hcl.each(c.body().path("rule"))) {
                        for (JsonNode d : Hcl.each(rule.path("default_retention"))) {
                            String mode = d.path("mode").asText("");
                            boolean modeOk = mode.equals("COMPLIANCE") || mode.equals("GOVERNANCE") || isExpression(mode);
                            boolean period = Stream.of("days", "years").anyMatch(f -> d.path(f).isNumber() && d.path(f).asInt() >= 1
                                    || d.path(f).isTextual() && isExpression(d.path(f).asText()));
                            if (modeOk && period) {
                                return true;
                            }
                        }
                    }
                    return false;
                });
        for (Block lc : tf.sameDir(tf.resources("aws_s3_bucket_lifecycle_configuration"), bucket)) {
            Set<String> covered = targets(lc, bucket);
            if (covered.isEmpty() || !covered.contains("*") && covered.stream().noneMatch(locked::contains) && !locked.contains("*")) {
                continue;
            }
            boolean expires = false;
            for (JsonNode rule : Hcl.each(lc.body().path("rule"))) {
                expires |= !rule.path("expiration").isMissingNode() || !rule.path("noncurrent_version_expiration").isMissingNode();
            }
            for (JsonNode d : Hcl.each(lc.body().path("dynamic").path("rule"))) {
                for (JsonNode rule : Hcl.each(d.path("content"))) {
                    expires |= !rule.path("expiration").isMissingNode() || !rule.path("noncurrent_version_expiration").isMissingNode();
                }
            }
            if (expires) {
                out.add(tf.where(lc) + ": expires objects or versions of the Object Lock bucket " + bucket.name()
                        + (locked.equals(Set.of("")) ? "" : " " + locked) + " (its objects are kept: only abort_incomplete_multipart_upload)");
            }
        }
    }

    /** The instance keys of a bucket with Object Lock enabled (empty: none). */
    private Set<String> objectLockKeys(Block bucket) {
        JsonNode v = bucket.body().path("object_lock_enabled");
        if (v.isBoolean()) {
            return v.asBoolean() ? instanceKeys(bucket) : Set.of();
        }
        if (!v.isTextual() || !isExpression(v.asText())) {
            return Set.of();
        }
        Matcher m = EACH_KEY_IS.matcher(v.asText());
        return m.matches() ? Set.of(m.group(1)) : instanceKeys(bucket);
    }

    /** Every bucket instance with Object Lock, as "file: aws_s3_bucket.name [key]". */
    List<String> objectLockedBuckets() {
        List<String> out = new ArrayList<>();
        for (Block bucket : tf.resources("aws_s3_bucket")) {
            for (String k : new TreeSet<>(objectLockKeys(bucket))) {
                out.add(tf.where(bucket) + (k.isEmpty() ? "" : " [" + k + "]"));
            }
        }
        return out;
    }

    private boolean deniesInsecureTransport(Block doc) {
        for (JsonNode s : statements(doc)) {
            boolean deny = s.path("effect").asText("").equals("Deny");
            boolean everyone = false;
            for (JsonNode p : Hcl.each(s.path("principals"))) {
                everyone |= (p.path("type").asText("").equals("*") || p.path("type").asText("").equals("AWS")) && texts(p.path("identifiers")).contains("*");
            }
            List<String> actions = texts(s.path("actions"));
            boolean allS3 = actions.contains("s3:*") || actions.contains("*");
            boolean insecure = false;
            for (JsonNode c : Hcl.each(s.path("condition"))) {
                insecure |= c.path("test").asText("").equals("Bool") && c.path("variable").asText("").equals("aws:SecureTransport")
                        && texts(c.path("values")).equals(List.of("false"));
            }
            List<String> resources = texts(s.path("resources"));
            boolean bucketAndObjects = resources.stream().anyMatch(r -> r.endsWith("/*")) && resources.stream().anyMatch(r -> !r.endsWith("/*"));
            if (deny && everyone && allS3 && insecure && bucketAndObjects) {
                return true;
            }
        }
        return false;
    }

    /**
     * For every instance key of the bucket, some resource of {@code type} in the same module that targets
     * it must satisfy {@code ok}.
     */
    private void requireCompanion(List<String> out, Block bucket, Set<String> keys, String type, String problem, Predicate<Block> ok) {
        Set<String> missing = new TreeSet<>(keys);
        for (Block c : tf.sameDir(tf.resources(type), bucket)) {
            Set<String> covered = targets(c, bucket);
            if (!covered.isEmpty() && ok.test(c)) {
                if (covered.contains("*")) {
                    missing.clear();
                } else {
                    missing.removeAll(covered);
                }
            }
        }
        if (!missing.isEmpty()) {
            String which = missing.equals(Set.of("")) || missing.equals(Set.of("*")) ? "" : " " + missing;
            out.add(tf.where(bucket) + which + ": " + problem);
        }
    }

    /**
     * The instance keys of the bucket a companion resource covers: {@code *} for all of them
     * ({@code bucket = aws_s3_bucket.x.id}, {@code aws_s3_bucket.x[each.key].id}, or {@code each.value.id}
     * with {@code for_each = aws_s3_bucket.x}), a literal key for {@code aws_s3_bucket.x["k"].id}, none
     * when it targets another bucket.
     */
    private Set<String> targets(Block companion, Block bucket) {
        String ref = companion.text("bucket");
        Set<String> out = new LinkedHashSet<>();
        Matcher m = BUCKET_REF.matcher(ref);
        while (m.find()) {
            if (!m.group(1).equals(bucket.name())) {
                continue;
            }
            String index = m.group(3);
            if (index == null || !index.startsWith("\"")) {
                out.add("*");
            } else {
                out.add(index.replace("\"", ""));
            }
        }
        if (ref.matches("^\\$\\{each\\.value\\.(id|bucket)}$")
                && companion.text("for_each").equals("${aws_s3_bucket." + bucket.name() + "}")) {
            out.add("*");
        }
        return out;
    }

    /** Instance keys of a resource: "" without for_each; the keys of a literal or local map/list; "*" when unknown. */
    private Set<String> instanceKeys(Block b) {
        JsonNode forEach = b.body().path("for_each");
        if (forEach.isMissingNode()) {
            return Set.of("");
        }
        JsonNode resolved = resolve(forEach, b.dir(), 0);
        Set<String> keys = new TreeSet<>();
        if (resolved != null && resolved.isObject()) {
            resolved.fieldNames().forEachRemaining(keys::add);
        } else if (resolved != null && resolved.isArray()) {
            resolved.forEach(v -> keys.add(v.asText()));
        } else {
            keys.add("*");
        }
        return keys;
    }

    // ------------------------------------------------------------------ DynamoDB

    /** Every {@code aws_dynamodb_table}: on-demand, point-in-time recovery, TTL on expires_at, server-side encryption. */
    List<String> tables() {
        List<String> out = new ArrayList<>();
        for (Block t : tf.resources("aws_dynamodb_table")) {
            String at = tf.where(t);
            if (!t.text("billing_mode").equals("PAY_PER_REQUEST")) {
                out.add(at + ": not on-demand (billing_mode = \"PAY_PER_REQUEST\")");
            }
            if (!anyBlock(t.body().path("point_in_time_recovery"), b -> isTrue(b.path("enabled")))) {
                out.add(at + ": no point-in-time recovery (point_in_time_recovery { enabled = true })");
            }
            if (!anyBlock(t.body().path("ttl"), b -> isTrue(b.path("enabled")) && b.path("attribute_name").asText("").equals("expires_at"))) {
                out.add(at + ": no TTL on expires_at (ttl { attribute_name = \"expires_at\", enabled = true })");
            }
            if (!anyBlock(t.body().path("server_side_encryption"), b -> isTrue(b.path("enabled")))) {
                out.add(at + ": no server-side encryption with a KMS key (server_side_encryption { enabled = true })");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ IAM

    /**
     * IAM: every policy is an {@code aws_iam_policy_document} (so its statements can be read here);
     * no Allow statement has action {@code *}, or a whole service ({@code s3:*}) on resource {@code *}
     * (or on a resource that is a bare expression, which could be {@code *}); Allow actions are literal;
     * no Allow with NotAction/NotResource; no Allow to principal {@code *}; no AWS managed policies.
     */
    List<String> iam() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : POLICY_ATTRIBUTES.entrySet()) {
            for (Block r : tf.resources(e.getKey())) {
                JsonNode v = r.body().path(e.getValue());
                if (v.isMissingNode()) {
                    continue;
                }
                Matcher m = POLICY_DOC_REF.matcher(v.asText(""));
                Matcher rendered = RENDERED_POLICY_REF.matcher(v.asText(""));
                if (rendered.matches()) {
                    // a provider-free policy module: DeploymentConsistencyTest renders it with terraform and checks every statement
                    if (tf.sameDir(tf.modules(), r).stream().noneMatch(b -> b.name().equals(rendered.group(1))
                            && b.text("source").endsWith(RENDERED_POLICY_MODULE))) {
                        out.add(tf.where(r) + ": " + e.getValue() + " names module." + rendered.group(1) + ", which is not a call of .../"
                                + RENDERED_POLICY_MODULE + " in this module");
                    }
                } else if (!m.matches()) {
                    out.add(tf.where(r) + ": " + e.getValue() + " is not a data.aws_iam_policy_document's json or job_policies' document"
                            + " (write the policy as one, so it can be checked)");
                } else if (tf.sameDir(tf.data("aws_iam_policy_document"), r).stream().noneMatch(d -> d.name().equals(m.group(1)))) {
                    out.add(tf.where(r) + ": " + e.getValue() + " names data.aws_iam_policy_document." + m.group(1) + ", which this module does not define");
                }
            }
        }
        for (Block role : tf.resources("aws_iam_role")) {
            if (!role.body().path("inline_policy").isMissingNode()) {
                out.add(tf.where(role) + ": inline_policy block: use aws_iam_role_policy or aws_iam_policy with a policy document");
            }
            for (String arn : texts(role.body().path("managed_policy_arns"))) {
                if (arn.contains(":iam::aws:policy/")) {
                    out.add(tf.where(role) + ": AWS managed policy " + arn + " (grant only what the role needs)");
                }
            }
        }
        for (String type : List.of("aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment",
                "aws_iam_group_policy_attachment")) {
            for (Block a : tf.resources(type)) {
                if (a.text("policy_arn").contains(":iam::aws:policy/")) {
                    out.add(tf.where(a) + ": AWS managed policy " + a.text("policy_arn") + " (grant only what the role needs)");
                }
            }
        }
        for (Block doc : tf.data("aws_iam_policy_document")) {
            int i = 0;
            for (JsonNode s : statements(doc)) {
                i++;
                String at = tf.where(doc) + " statement " + (s.path("sid").isTextual() ? s.path("sid").asText() : "#" + i);
                JsonNode effectNode = s.path("effect");
                String effect = effectNode.isMissingNode() ? "Allow" : effectNode.asText("");
                if (!effect.equals("Allow") && !effect.equals("Deny")) {
                    out.add(at + ": effect " + effect + " is not a literal Allow or Deny");
                    continue;
                }
                if (effect.equals("Deny")) {
                    continue;
                }
                if (!s.path("not_actions").isMissingNode() || !s.path("not_resources").isMissingNode()) {
                    out.add(at + ": Allow with not_actions / not_resources grants everything else");
                    continue;
                }
                JsonNode actions = s.path("actions");
                if (!isLiteralList(actions)) {
                    out.add(at + ": actions " + actions + " are not a literal list, so they cannot be checked");
                    continue;
                }
                List<String> resources = texts(s.path("resources"));
                boolean identityPolicy = s.path("principals").isMissingNode();
                boolean anyResource = identityPolicy && (resources.isEmpty() || !s.path("resources").isArray()
                        || resources.stream().anyMatch(TerraformChecks::couldBeStar));
                for (String a : texts(actions)) {
                    if (a.equals("*")) {
                        out.add(at + ": allows action \"*\"");
                    } else if (SERVICE_WILDCARD.matcher(a).matches() && (anyResource || resources.contains("*"))) {
                        out.add(at + ": allows \"" + a + "\" on resource \"*\"");
                    }
                }
                for (JsonNode p : Hcl.each(s.path("principals"))) {
                    if (texts(p.path("identifiers")).contains("*")) {
                        out.add(at + ": allows principal \"*\" (public)");
                    }
                }
            }
        }
        return out;
    }

    /** A resource entry that could evaluate to "*": "*" itself, or a bare expression that names no ARN. */
    private static boolean couldBeStar(String r) {
        if (r.equals("*")) {
            return true;
        }
        return isExpression(r) && !r.toLowerCase().contains("arn");
    }

    /** The statements of a policy document: its statement blocks and the content of its dynamic "statement" blocks. */
    static List<JsonNode> statements(Block doc) {
        List<JsonNode> out = new ArrayList<>();
        Hcl.each(doc.body().path("statement")).forEach(out::add);
        for (JsonNode d : Hcl.each(doc.body().path("dynamic").path("statement"))) {
            Hcl.each(d.path("content")).forEach(out::add);
        }
        return out;
    }

    /** The policy documents an attribute of {@code r} names (same module). */
    private List<Block> policyDocuments(Block r, String attribute) {
        Matcher m = POLICY_DOC_REF.matcher(r.text(attribute));
        if (!m.matches()) {
            return List.of();
        }
        return tf.sameDir(tf.data("aws_iam_policy_document"), r).stream().filter(d -> d.name().equals(m.group(1))).toList();
    }

    // ------------------------------------------------------------------ variables and outputs

    /** Every variable has a type and a description; every output a description. */
    List<String> variablesAndOutputs() {
        List<String> out = new ArrayList<>();
        for (Block v : tf.variables()) {
            if (v.body().path("type").isMissingNode()) {
                out.add(tf.where(v) + ": no type");
            }
            if (v.text("description").isBlank()) {
                out.add(tf.where(v) + ": no description");
            }
        }
        for (Block o : tf.outputs()) {
            if (o.text("description").isBlank()) {
                out.add(tf.where(o) + ": no description");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ layout

    /**
     * Every directory under {@code modulesDir} is a module with main.tf, variables.tf, outputs.tf,
     * versions.tf (Terraform >= 1.5, hashicorp/aws ~> 5.x), a README.md and an example under examples/
     * that calls it ({@code source = "../.."}).
     */
    List<String> modules(Path modulesDir) {
        List<String> out = new ArrayList<>();
        for (Path m : subdirectories(modulesDir)) {
            String at = tf.show(m);
            for (String f : MODULE_FILES) {
                if (!Files.isRegularFile(m.resolve(f))) {
                    out.add(at + ": no " + f);
                }
            }
            out.addAll(versions(m));
            Path examples = m.resolve("examples");
            boolean example = subdirectories(examples).stream().anyMatch(e -> tf.modules().stream()
                    .anyMatch(b -> b.dir().equals(e.toAbsolutePath().normalize()) && b.text("source").equals("../..")));
            if (!example) {
                out.add(at + ": no example (examples/<name>/*.tf with a module block whose source is \"../..\")");
            }
        }
        return out;
    }

    /**
     * Every directory under {@code envsDir} is a root module with an S3 backend (bucket, key, region,
     * DynamoDB lock table, encrypt = true), the aws provider, the version constraints, and module sources
     * that exist.
     */
    List<String> environments(Path envsDir) {
        List<String> out = new ArrayList<>();
        List<Path> envs = subdirectories(envsDir);
        if (envs.isEmpty()) {
            out.add(tf.show(envsDir) + ": no environment");
        }
        for (Path env : envs) {
            String at = tf.show(env);
            Path dir = env.toAbsolutePath().normalize();
            List<JsonNode> backends = new ArrayList<>();
            tf.terraformBlocks(dir).forEach(t -> Hcl.each(t.path("backend").path("s3")).forEach(backends::add));
            if (backends.size() != 1) {
                out.add(at + ": expected one backend \"s3\" block, found " + backends.size());
            } else {
                JsonNode b = backends.get(0);
                for (String f : List.of("bucket", "key", "region", "dynamodb_table")) {
                    if (b.path(f).asText("").isBlank()) {
                        out.add(at + ": backend \"s3\" has no " + f);
                    }
                }
                if (!isTrue(b.path("encrypt"))) {
                    out.add(at + ": backend \"s3\" does not set encrypt = true");
                }
            }
            if (tf.providers(dir, "aws").isEmpty()) {
                out.add(at + ": no provider \"aws\" block");
            }
            out.addAll(versions(env));
            for (Block m : tf.modules()) {
                if (m.dir().equals(dir) && m.text("source").startsWith(".") && !Files.isDirectory(dir.resolve(m.text("source")))) {
                    out.add(tf.where(m) + ": source " + m.text("source") + " does not exist");
                }
            }
        }
        return out;
    }

    private List<String> versions(Path dir) {
        List<String> out = new ArrayList<>();
        String at = tf.show(dir);
        List<JsonNode> blocks = tf.terraformBlocks(dir.toAbsolutePath().normalize());
        boolean requiredVersion = blocks.stream().anyMatch(t -> t.path("required_version").asText("").startsWith(">= 1."));
        boolean aws = false;
        for (JsonNode t : blocks) {
            for (JsonNode rp : Hcl.each(t.path("required_providers"))) {
                JsonNode a = rp.path("aws");
                aws |= a.path("source").asText("").equals("hashicorp/aws") && a.path("version").asText("").startsWith("~> 5.");
            }
        }
        if (!requiredVersion) {
            out.add(at + ": no required_version (>= 1.x) in a terraform block");
        }
        if (!aws && usesAws(dir)) {
            out.add(at + ": no required_providers aws = { source = \"hashicorp/aws\", version = \"~> 5.x\" }");
        }
        return out;
    }

    /** Whether a module declares an aws_ resource or data source, or an aws provider (so needs the provider). */
    private boolean usesAws(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        boolean typed = tf.files().stream().filter(f -> f.path().getParent().equals(d)).anyMatch(f ->
                Stream.of("resource", "data").anyMatch(kind -> {
                    java.util.Iterator<String> types = f.json().path(kind).fieldNames();
                    while (types.hasNext()) {
                        if (types.next().startsWith("aws_")) {
                            return true;
                        }
                    }
                    return false;
                }));
        return typed || !tf.providers(d, "aws").isEmpty();
    }

    // ------------------------------------------------------------------ jobs, models, feature groups

    /**
     * Every job with an image (images/&lt;job&gt;/Dockerfile, base and build aside) has an entry in the
     * job catalog ({@code local.catalog} of the job_policies module), and every environment gives it an ECR
     * repository (the ecr module's {@code repositories}) and a role (the job_roles module's {@code jobs}):
     * a literal list, a local holding one, or {@code module.settings.jobs}, the keys of {@code jobs:} in the
     * environment file its settings module reads.
     */
    List<String> jobs(Set<String> imageJobs, Path envsDir, Path jobRolesDir) {
        List<String> out = new ArrayList<>();
        Set<String> catalog = new TreeSet<>();
        JsonNode c = tf.locals(jobRolesDir.toAbsolutePath().normalize()).get("catalog");
        if (c == null || !c.isObject()) {
            out.add(tf.show(jobRolesDir) + ": no literal local.catalog (the job list)");
        } else {
            c.fieldNames().forEachRemaining(catalog::add);
        }
        for (String job : imageJobs) {
            if (!catalog.contains(job)) {
                out.add("images/" + job + ": no entry in " + tf.show(jobRolesDir) + " local.catalog (what the job may touch)");
            }
        }
        for (Path env : subdirectories(envsDir)) {
            Path dir = env.toAbsolutePath().normalize();
            for (String[] use : List.of(new String[] {"modules/ecr", "repositories", "ECR repository"},
                    new String[] {"modules/job_roles", "jobs", "IAM role"})) {
                List<Block> calls = moduleCalls(dir, use[0]);
                if (calls.isEmpty()) {
                    out.add(tf.show(env) + ": no module with source .../" + use[0]);
                }
                for (Block m : calls) {
                    List<String> listed = resolveStrings(m.body().path(use[1]), dir);
                    if (listed == null) {
                        listed = settingsJobs(m.body().path(use[1]), dir);
                    }
                    if (listed == null) {
                        out.add(tf.where(m) + ": " + use[1] + " is not a literal list or a local holding one");
                        continue;
                    }
                    for (String job : imageJobs) {
                        if (!listed.contains(job)) {
                            out.add("images/" + job + ": no " + use[2] + " in " + tf.show(env) + " (" + m.address() + " " + use[1] + ")");
                        }
                    }
                    for (String job : listed) {
                        if (!catalog.isEmpty() && !catalog.contains(job)) {
                            out.add(tf.where(m) + ": job " + job + " has no entry in " + tf.show(jobRolesDir) + " local.catalog");
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * Every environment lists exactly the specs' feature groups (with their online flag) for the online
     * store, and exactly the specs' models for SageMaker and the job roles.
     *
     * @param specs model => (feature group => online)
     */
    List<String> models(Map<String, Map<String, Boolean>> specs, Path envsDir) {
        List<String> out = new ArrayList<>();
        Set<String> expectedGroups = new TreeSet<>();
        specs.forEach((model, groups) -> groups.forEach((g, online) -> expectedGroups.add(model + "/" + g + " online=" + online)));
        for (Path env : subdirectories(envsDir)) {
            Path dir = env.toAbsolutePath().normalize();
            List<Block> stores = moduleCalls(dir, "modules/online_store");
            if (stores.isEmpty()) {
                out.add(tf.show(env) + ": no module with source .../modules/online_store");
            }
            for (Block m : stores) {
                JsonNode groups = resolve(m.body().path("feature_groups"), dir, 0);
                if (groups == null || !groups.isArray()) {
                    out.add(tf.where(m) + ": feature_groups is not a literal list or a local holding one");
                    continue;
                }
                Set<String> listed = new TreeSet<>();
                for (JsonNode g : groups) {
                    boolean online = !g.has("online") || isTrue(g.path("online"));
                    listed.add(g.path("model").asText() + "/" + g.path("group").asText() + " online=" + online);
                }
                for (String g : expectedGroups) {
                    if (!listed.contains(g)) {
                        out.add("dags/models: feature group " + g + " is not in " + tf.where(m) + " feature_groups");
                    }
                }
                for (String g : listed) {
                    if (!expectedGroups.contains(g)) {
                        out.add(tf.where(m) + ": feature group " + g + " is in no spec under dags/models");
                    }
                }
            }
            for (String source : List.of("modules/sagemaker", "modules/job_roles")) {
                for (Block m : moduleCalls(dir, source)) {
                    List<String> models = resolveStrings(m.body().path("models"), dir);
                    if (models == null || !new TreeSet<>(models).equals(new TreeSet<>(specs.keySet()))) {
                        out.add(tf.where(m) + ": models " + models + " are not the specs' models " + new TreeSet<>(specs.keySet()));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The jobs of {@code module.settings.jobs} (directly or through a local): the keys of {@code jobs:} in the
     * environment file the settings module of {@code dir} reads; null when the value is something else.
     */
    private List<String> settingsJobs(JsonNode value, Path dir) {
        String text = value.asText("");
        Matcher local = Pattern.compile("^\\$\\{local\\.([A-Za-z0-9_]+)}$").matcher(text);
        if (local.matches() && tf.locals(dir).get(local.group(1)) != null) {
            text = tf.locals(dir).get(local.group(1)).asText("");
        }
        Matcher ref = Pattern.compile("^\\$\\{module\\.([A-Za-z0-9_]+)\\.jobs}$").matcher(text);
        if (!ref.matches()) {
            return null;
        }
        for (Block m : moduleCalls(dir, "modules/settings")) {
            if (m.name().equals(ref.group(1))) {
                Path file = dir.resolve(m.text("environment_file").replace("${path.module}/", "")).normalize();
                try {
                    JsonNode env = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                            .readTree(file.toFile());
                    List<String> jobs = new ArrayList<>();
                    env.path("jobs").fieldNames().forEachRemaining(jobs::add);
                    return jobs;
                } catch (IOException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private List<Block> moduleCalls(Path dir, String sourceSuffix) {
        return tf.modules().stream().filter(m -> m.dir().equals(dir) && m.text("source").endsWith(sourceSuffix)).toList();
    }

    // ------------------------------------------------------------------ the generated Athena DDL

    /**
     * The generated DDL (sql/athena/*.sql) splits the way the athena module splits it (comment lines
     * dropped, then cut at a ';' that ends a line): every CREATE EXTERNAL TABLE lands in its own
     * statement, with the placeholders the module fills in, and table names are unique across the files.
     */
    static List<String> ddl(Path sqlDir) {
        List<String> out = new ArrayList<>();
        Map<String, String> tables = new LinkedHashMap<>();
        Pattern create = Pattern.compile("(?i)CREATE\\s+EXTERNAL\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?[^\\s.]+\\.([A-Za-z0-9_]+)");
        for (Path f : files(sqlDir, ".sql")) {
            String text;
            try {
                text = Files.readString(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int creates = (int) Pattern.compile("(?i)CREATE\\s+EXTERNAL\\s+TABLE").matcher(text).results().count();
            StringBuilder code = new StringBuilder();
            text.lines().filter(l -> !l.strip().startsWith("--")).forEach(l -> code.append(l.stripTrailing()).append('\n'));
            int statements = 0;
            for (String s : code.toString().split(";\n")) {
                Matcher m = create.matcher(s);
                if (!m.find()) {
                    continue;
                }
                statements++;
                String at = "sql/athena/" + f.getFileName() + ": " + m.group(1);
                String earlier = tables.putIfAbsent(m.group(1), f.getFileName().toString());
                if (earlier != null) {
                    out.add(at + ": the table is also defined in " + earlier);
                }
                if (!s.contains("${database}.") || !s.contains("LOCATION '${lake}/")) {
                    out.add(at + ": no ${database}. table name or LOCATION '${lake}/...' to fill in");
                }
                if (!s.strip().endsWith(")") && !s.strip().endsWith("'")) {
                    out.add(at + ": the statement does not end with ')' or a quote once cut (a ';' ending a line inside it?)");
                }
            }
            if (statements != creates) {
                out.add("sql/athena/" + f.getFileName() + ": " + creates + " CREATE EXTERNAL TABLE but " + statements
                        + " statements once cut at a ';' ending a line");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** Resolves a value to JSON: a literal as is, {@code ${local.x}} to the module's local x (recursively). */
    private JsonNode resolve(JsonNode v, Path dir, int depth) {
        if (v == null || v.isMissingNode() || depth > 5) {
            return null;
        }
        if (v.isTextual()) {
            Matcher m = LOCAL_REF.matcher(v.asText());
            if (m.matches()) {
                return resolve(tf.locals(dir).get(m.group(1)), dir, depth + 1);
            }
            return isExpression(v.asText()) ? null : v;
        }
        return v;
    }

    /** A list of literal strings (directly or through a local), or null. */
    private List<String> resolveStrings(JsonNode v, Path dir) {
        JsonNode r = resolve(v, dir, 0);
        return r != null && isLiteralList(r) ? texts(r) : null;
    }

    /** {@code ${...}} with nothing around it. */
    static boolean isExpression(String s) {
        if (!s.startsWith("${") || !s.endsWith("}")) {
            return false;
        }
        int depth = 0;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0 && i < s.length() - 1) {
                    return false;
                }
            }
        }
        return depth == 0;
    }

    private static boolean isLiteralList(JsonNode v) {
        if (!v.isArray()) {
            return false;
        }
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().contains("${")) {
                return false;
            }
        }
        return true;
    }

    private static boolean isTrue(JsonNode v) {
        return v.isBoolean() && v.asBoolean();
    }

    private static boolean anyBlock(JsonNode blocks, Predicate<JsonNode> p) {
        for (JsonNode b : Hcl.each(blocks)) {
            if (p.test(b)) {
                return true;
            }
        }
        return false;
    }

    /** The text of a string or of each string of an array. */
    static List<String> texts(JsonNode v) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : Hcl.each(v)) {
            if (e.isValueNode()) {
                out.add(e.asText());
            }
        }
        return out;
    }

    static List<Path> subdirectories(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
