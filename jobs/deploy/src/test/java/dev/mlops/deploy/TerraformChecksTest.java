package dev.mlops.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks of {@link TerraformChecks} on small bad (and good) configurations: they catch what they claim to. */
class TerraformChecksTest {

    @TempDir
    Path repo;

    private TerraformChecks load(Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = repo.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        return new TerraformChecks(TerraformConfig.load(repo, repo.resolve("terraform")));
    }

    static final String GOOD_BUCKET = """
            resource "aws_s3_bucket" "good" {
              bucket = "good"
            }
            resource "aws_s3_bucket_server_side_encryption_configuration" "good" {
              bucket = aws_s3_bucket.good.id
              rule {
                apply_server_side_encryption_by_default {
                  sse_algorithm     = "aws:kms"
                  kms_master_key_id = var.key
                }
              }
            }
            resource "aws_s3_bucket_versioning" "good" {
              bucket = aws_s3_bucket.good.id
              versioning_configuration {
                status = "Enabled"
              }
            }
            resource "aws_s3_bucket_public_access_block" "good" {
              bucket                  = aws_s3_bucket.good.bucket
              block_public_acls       = true
              block_public_policy     = true
              ignore_public_acls      = true
              restrict_public_buckets = true
            }
            resource "aws_s3_bucket_ownership_controls" "good" {
              bucket = aws_s3_bucket.good.id
              rule {
                object_ownership = "BucketOwnerEnforced"
              }
            }
            data "aws_iam_policy_document" "good" {
              statement {
                effect    = "Deny"
                actions   = ["s3:*"]
                resources = [aws_s3_bucket.good.arn, "${aws_s3_bucket.good.arn}/*"]
                principals {
                  type        = "*"
                  identifiers = ["*"]
                }
                condition {
                  test     = "Bool"
                  variable = "aws:SecureTransport"
                  values   = ["false"]
                }
              }
              statement {
                effect    = "Deny"
                actions   = ["s3:PutObject"]
                resources = ["${aws_s3_bucket.good.arn}/*"]
                principals {
                  type        = "*"
                  identifiers = ["*"]
                }
                condition {
                  test     = "Null"
                  variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
                  values   = ["false"]
                }
                condition {
                  test     = "StringNotEquals"
                  variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
                  values   = [var.key]
                }
              }
            }
            resource "aws_s3_bucket_policy" "good" {
              bucket = aws_s3_bucket.good.id
              policy = data.aws_iam_policy_document.good.json
            }
            """;

    @Test
    void aBucketWithEverythingPasses() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/main.tf", GOOD_BUCKET));
        assertThat(checks.buckets()).isEmpty();
        assertThat(checks.iam()).isEmpty();
    }

    @Test
    void bucketsWithoutKmsVersioningBlockOwnershipOrTlsPolicyFail() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/main.tf", """
                resource "aws_s3_bucket" "open" {
                  bucket = "open"
                }
                resource "aws_s3_bucket_server_side_encryption_configuration" "open" {
                  bucket = aws_s3_bucket.open.id
                  rule {
                    apply_server_side_encryption_by_default {
                      sse_algorithm = "AES256"
                    }
                  }
                }
                resource "aws_s3_bucket_versioning" "open" {
                  bucket = aws_s3_bucket.open.id
                  versioning_configuration {
                    status = "Suspended"
                  }
                }
                resource "aws_s3_bucket_public_access_block" "open" {
                  bucket                  = aws_s3_bucket.open.id
                  block_public_acls       = true
                  block_public_policy     = false
                  ignore_public_acls      = true
                  restrict_public_buckets = true
                }
                data "aws_iam_policy_document" "open" {
                  statement {
                    effect    = "Deny"
                    actions   = ["s3:DeleteBucket"]
                    resources = [aws_s3_bucket.open.arn]
                    principals {
                      type        = "*"
                      identifiers = ["*"]
                    }
                  }
                }
                resource "aws_s3_bucket_policy" "open" {
                  bucket = aws_s3_bucket.open.id
                  policy = data.aws_iam_policy_document.open.json
                }
                resource "aws_s3_bucket_acl" "open" {
                  bucket = aws_s3_bucket.open.id
                  acl    = "public-read"
                }

                # two instances, encrypted and versioned only for "a" (each.value of a for_each over the buckets is fine)
                resource "aws_s3_bucket" "pair" {
                  for_each = { a = "pair-a", b = "pair-b" }
                  bucket   = each.value
                }
                resource "aws_s3_bucket_server_side_encryption_configuration" "pair" {
                  bucket = aws_s3_bucket.pair["a"].id
                  rule {
                    apply_server_side_encryption_by_default {
                      sse_algorithm     = "aws:kms"
                      kms_master_key_id = var.key
                    }
                  }
                }
                resource "aws_s3_bucket_versioning" "pair" {
                  for_each = aws_s3_bucket.pair
                  bucket   = each.value.id
                  versioning_configuration {
                    status = "Enabled"
                  }
                }
                """));
        List<String> v = checks.buckets();
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.open: no SSE-KMS default encryption"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.open: no versioning"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.open: public access not blocked"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.open: ACLs not disabled"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.open: no TLS-only bucket policy"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket_acl.open: canned ACL public-read"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.pair [b]: no SSE-KMS default encryption"));
        assertThat(v).noneMatch(s -> s.contains("aws_s3_bucket.pair [a]: no SSE-KMS"));
        assertThat(v).noneMatch(s -> s.contains("aws_s3_bucket.pair") && s.contains("no versioning"));
        assertThat(v).allMatch(s -> s.startsWith("terraform/modules/m/main.tf: "));
    }

    /** The conditions of GOOD_BUCKET's KMS-key statement, as they stand in it. */
    static final String KMS_CONDITIONS = String.join("\n",
            "    condition {",
            "      test     = \"Null\"",
            "      variable = \"s3:x-amz-server-side-encryption-aws-kms-key-id\"",
            "      values   = [\"false\"]",
            "    }",
            "    condition {",
            "      test     = \"StringNotEquals\"",
            "      variable = \"s3:x-amz-server-side-encryption-aws-kms-key-id\"",
            "      values   = [var.key]",
            "    }") + "\n";

    /** GOOD_BUCKET with its KMS-key statement's conditions replaced. */
    static String goodBucketWithKmsConditions(String conditions) {
        assertThat(GOOD_BUCKET).contains(KMS_CONDITIONS);
        return GOOD_BUCKET.replace(KMS_CONDITIONS, conditions);
    }

    @Test
    void bucketPoliciesThatDoNotRefuseAnotherKmsKeyOrRefuseUploadsNamingNoneFail() throws IOException {
        // a bare StringNotEquals is also true when the upload names no key (S3A's, which take the bucket default): refused
        TerraformChecks bare = load(Map.of("terraform/modules/m/main.tf", goodBucketWithKmsConditions("""
                                condition {
                                  test     = "StringNotEquals"
                                  variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
                                  values   = [var.key]
                                }
                """)));
        assertThat(bare.buckets()).singleElement().asString()
                .contains("aws_s3_bucket.good: no bucket policy refusing uploads that name another KMS key");
    }

    @Test
    void aBucketPolicyWithoutAKmsKeyStatementFailsAndIfExistsPasses() throws IOException {
        TerraformChecks none = load(Map.of("terraform/modules/m/main.tf", goodBucketWithKmsConditions("""
                                condition {
                                  test     = "StringNotEquals"
                                  variable = "s3:x-amz-server-side-encryption"
                                  values   = ["aws:kms"]
                                }
                """)));
        assertThat(none.buckets()).singleElement().asString().contains("refusing uploads that name another KMS key");
        TerraformChecks ifExists = load(Map.of("terraform/modules/m/main.tf", goodBucketWithKmsConditions("""
                                condition {
                                  test     = "StringNotEqualsIfExists"
                                  variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
                                  values   = [var.key]
                                }
                """)));
        assertThat(ifExists.buckets()).isEmpty();
    }

    static final String LOCKED = """
            resource "aws_s3_bucket" "good" {
              for_each            = { lake = "lake", audit = "audit" }
              bucket              = each.value
              object_lock_enabled = each.key == "audit"
            }
            """;

    static String locked(String extra) {
        String body = GOOD_BUCKET.replace("""
                resource "aws_s3_bucket" "good" {
                  bucket = "good"
                }
                """, LOCKED);
        return body + extra;
    }

    @Test
    void anObjectLockBucketWithRetentionAndNoExpiryPasses() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/main.tf", locked("""
                resource "aws_s3_bucket_object_lock_configuration" "audit" {
                  bucket = aws_s3_bucket.good["audit"].id
                  rule {
                    default_retention {
                      mode = var.mode
                      days = var.days
                    }
                  }
                }
                resource "aws_s3_bucket_lifecycle_configuration" "audit" {
                  bucket = aws_s3_bucket.good["audit"].id
                  rule {
                    id     = "abort"
                    status = "Enabled"
                    filter {
                      prefix = ""
                    }
                    abort_incomplete_multipart_upload {
                      days_after_initiation = 2
                    }
                  }
                }
                # the other instance may expire what it likes
                resource "aws_s3_bucket_lifecycle_configuration" "lake" {
                  bucket = aws_s3_bucket.good["lake"].id
                  rule {
                    id     = "expire"
                    status = "Enabled"
                    filter {
                      prefix = ""
                    }
                    expiration {
                      days = 7
                    }
                  }
                }
                """)));
        assertThat(checks.buckets()).isEmpty();
        assertThat(checks.objectLockedBuckets()).containsExactly("terraform/modules/m/main.tf: aws_s3_bucket.good [audit]");
    }

    @Test
    void anObjectLockBucketWithoutRetentionOrWithAnExpiryFails() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/main.tf", locked("""
                resource "aws_s3_bucket_object_lock_configuration" "audit" {
                  bucket = aws_s3_bucket.good["audit"].id
                  rule {
                    default_retention {
                      mode = "FOREVER"
                      days = 30
                    }
                  }
                }
                resource "aws_s3_bucket_lifecycle_configuration" "audit" {
                  bucket = aws_s3_bucket.good["audit"].id
                  rule {
                    id     = "versions"
                    status = "Enabled"
                    filter {
                      prefix = ""
                    }
                    noncurrent_version_expiration {
                      noncurrent_days = 7
                    }
                  }
                }
                """)));
        List<String> v = checks.buckets();
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket.good [audit]: Object Lock without a default retention"));
        assertThat(v).anyMatch(s -> s.contains("aws_s3_bucket_lifecycle_configuration.audit: expires objects or versions of the Object Lock bucket good [audit]"));
        assertThat(v).noneMatch(s -> s.contains("[lake]"));
        assertThat(v).hasSize(2);
    }

    @Test
    void tablesWithoutPitrTtlEncryptionOrOnDemandFail() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/main.tf", """
                resource "aws_dynamodb_table" "bare" {
                  name           = "bare"
                  billing_mode   = "PROVISIONED"
                  read_capacity  = 1
                  write_capacity = 1
                  hash_key       = "entity_id"
                  attribute {
                    name = "entity_id"
                    type = "S"
                  }
                  ttl {
                    attribute_name = "valid_until"
                    enabled        = true
                  }
                  point_in_time_recovery {
                    enabled = var.pitr
                  }
                }
                resource "aws_dynamodb_table" "good" {
                  name         = "good"
                  billing_mode = "PAY_PER_REQUEST"
                  hash_key     = "entity_id"
                  attribute {
                    name = "entity_id"
                    type = "S"
                  }
                  ttl {
                    attribute_name = "expires_at"
                    enabled        = true
                  }
                  point_in_time_recovery {
                    enabled = true
                  }
                  server_side_encryption {
                    enabled = true
                  }
                }
                """));
        assertThat(checks.tables()).containsExactlyInAnyOrder(
                "terraform/modules/m/main.tf: aws_dynamodb_table.bare: not on-demand (billing_mode = \"PAY_PER_REQUEST\")",
                "terraform/modules/m/main.tf: aws_dynamodb_table.bare: no point-in-time recovery (point_in_time_recovery { enabled = true })",
                "terraform/modules/m/main.tf: aws_dynamodb_table.bare: no TTL on expires_at (ttl { attribute_name = \"expires_at\", enabled = true })",
                "terraform/modules/m/main.tf: aws_dynamodb_table.bare: no server-side encryption with a KMS key (server_side_encryption { enabled = true })");
    }

    @Test
    void wildcardsOpaquePoliciesAndManagedPoliciesFail() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/main.tf", """
                data "aws_iam_policy_document" "bad" {
                  statement {
                    sid       = "Admin"
                    actions   = ["*"]
                    resources = ["*"]
                  }
                  statement {
                    sid       = "AllOfS3"
                    actions   = ["s3:GetObject", "s3:*"]
                    resources = ["*"]
                  }
                  statement {
                    sid       = "AllOfDynamoDbOnSomething"
                    actions   = ["dynamodb:*"]
                    resources = [var.tables]
                  }
                  statement {
                    sid       = "Computed"
                    actions   = [for a in var.actions : "s3:${a}"]
                    resources = ["arn:aws:s3:::lake/*"]
                  }
                  statement {
                    sid         = "Inverted"
                    not_actions = ["iam:*"]
                    resources   = ["*"]
                  }
                  dynamic "statement" {
                    for_each = var.extra ? [1] : []
                    content {
                      sid       = "Hidden"
                      actions   = ["*"]
                      resources = ["arn:aws:s3:::lake"]
                    }
                  }
                }
                data "aws_iam_policy_document" "fine" {
                  statement {
                    sid       = "AllOfS3OnTheLakeOnly"
                    actions   = ["s3:*"]
                    resources = [var.lake_arn, "${var.lake_arn}/*"]
                  }
                  statement {
                    sid       = "TokenNeedsStar"
                    actions   = ["ecr:GetAuthorizationToken"]
                    resources = ["*"]
                  }
                  statement {
                    effect    = "Deny"
                    actions   = ["*"]
                    resources = ["*"]
                  }
                }
                data "aws_iam_policy_document" "public" {
                  statement {
                    actions   = ["s3:GetObject"]
                    resources = ["arn:aws:s3:::lake/*"]
                    principals {
                      type        = "AWS"
                      identifiers = ["*"]
                    }
                  }
                }
                resource "aws_iam_role" "r" {
                  name               = "r"
                  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
                  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
                  inline_policy {
                    name   = "x"
                    policy = "{}"
                  }
                }
                resource "aws_iam_policy" "p" {
                  name   = "p"
                  policy = data.aws_iam_policy_document.missing.json
                }
                resource "aws_iam_role_policy_attachment" "a" {
                  role       = aws_iam_role.r.name
                  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
                }
                module "rendered" {
                  source = "../job_policies"
                }
                module "other" {
                  source = "../somewhere_else"
                }
                resource "aws_iam_policy" "from_job_policies" {
                  name   = "fine"
                  policy = module.rendered.documents["x"]
                }
                resource "aws_iam_policy" "from_elsewhere" {
                  name   = "q"
                  policy = module.other.documents["x"]
                }
                """));
        List<String> v = checks.iam();
        String f = "terraform/modules/m/main.tf: ";
        assertThat(v).contains(
                f + "data.aws_iam_policy_document.bad statement Admin: allows action \"*\"",
                f + "data.aws_iam_policy_document.bad statement AllOfS3: allows \"s3:*\" on resource \"*\"",
                f + "data.aws_iam_policy_document.bad statement AllOfDynamoDbOnSomething: allows \"dynamodb:*\" on resource \"*\"",
                f + "data.aws_iam_policy_document.bad statement Inverted: Allow with not_actions / not_resources grants everything else",
                f + "data.aws_iam_policy_document.bad statement Hidden: allows action \"*\"",
                f + "data.aws_iam_policy_document.public statement #1: allows principal \"*\" (public)",
                f + "aws_iam_role.r: assume_role_policy is not a data.aws_iam_policy_document's json or job_policies' document (write the policy as one, so it can be checked)",
                f + "aws_iam_role.r: inline_policy block: use aws_iam_role_policy or aws_iam_policy with a policy document",
                f + "aws_iam_role.r: AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess (grant only what the role needs)",
                f + "aws_iam_policy.p: policy names data.aws_iam_policy_document.missing, which this module does not define",
                f + "aws_iam_role_policy_attachment.a: AWS managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess (grant only what the role needs)",
                f + "aws_iam_policy.from_elsewhere: policy names module.other, which is not a call of .../job_policies in this module");
        assertThat(v).noneMatch(s -> s.contains("from_job_policies"));
        assertThat(v).anyMatch(s -> s.startsWith(f + "data.aws_iam_policy_document.bad statement Computed: actions ") && s.endsWith("are not a literal list, so they cannot be checked"));
        assertThat(v).noneMatch(s -> s.contains("data.aws_iam_policy_document.fine"));
        assertThat(v).hasSize(13);
    }

    @Test
    void variablesWithoutTypeOrDescriptionFail() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/modules/m/variables.tf", """
                variable "untyped" {
                  description = "has no type"
                }
                variable "undescribed" {
                  type = string
                }
                variable "blank" {
                  type        = number
                  description = "  "
                }
                variable "fine" {
                  type        = map(object({ a = optional(string, "x") }))
                  description = "typed and described"
                }
                output "silent" {
                  value = 1
                }
                """));
        String f = "terraform/modules/m/variables.tf: ";
        assertThat(checks.variablesAndOutputs()).containsExactlyInAnyOrder(
                f + "variable.untyped: no type",
                f + "variable.undescribed: no description",
                f + "variable.blank: no description",
                f + "output.silent: no description");
    }

    @Test
    void modulesWithoutTheirFilesOrAnExampleFail() throws IOException {
        TerraformChecks checks = load(Map.of(
                "terraform/modules/thin/main.tf", "resource \"aws_sqs_queue\" \"q\" {}\n",
                "terraform/modules/thin/versions.tf", """
                        terraform {
                          required_providers {
                            aws = { source = "hashicorp/aws", version = ">= 4.0" }
                          }
                        }
                        """,
                "terraform/modules/thin/examples/basic/main.tf", "module \"other\" {\n  source = \"../../../other\"\n}\n"));
        assertThat(checks.modules(repo.resolve("terraform/modules"))).containsExactlyInAnyOrder(
                "terraform/modules/thin: no variables.tf",
                "terraform/modules/thin: no outputs.tf",
                "terraform/modules/thin: no README.md",
                "terraform/modules/thin: no required_version (>= 1.x) in a terraform block",
                "terraform/modules/thin: no required_providers aws = { source = \"hashicorp/aws\", version = \"~> 5.x\" }",
                "terraform/modules/thin: no example (examples/<name>/*.tf with a module block whose source is \"../..\")");
    }

    @Test
    void environmentsWithoutLockedEncryptedRemoteStateFail() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/envs/dev/main.tf", """
                terraform {
                  required_version = ">= 1.5"
                  required_providers {
                    aws = { source = "hashicorp/aws", version = "~> 5.40" }
                  }
                  backend "s3" {
                    bucket = "state"
                    key    = "dev.tfstate"
                    region = "eu-west-1"
                  }
                }
                module "gone" {
                  source = "../../modules/gone"
                }
                """));
        assertThat(checks.environments(repo.resolve("terraform/envs"))).containsExactlyInAnyOrder(
                "terraform/envs/dev: backend \"s3\" has no dynamodb_table",
                "terraform/envs/dev: backend \"s3\" does not set encrypt = true",
                "terraform/envs/dev: no provider \"aws\" block",
                "terraform/envs/dev/main.tf: module.gone: source ../../modules/gone does not exist");
    }

    @Test
    void aJobImageWithoutRepositoryRoleOrCatalogEntryFails() throws IOException {
        TerraformChecks checks = load(Map.of(
                "images/ingest/Dockerfile", "FROM base\n",
                "images/score/Dockerfile", "FROM base\n",
                "images/base/Dockerfile", "FROM jre\n",
                "images/build/Dockerfile", "FROM maven\n",
                "terraform/modules/job_roles/jobs.tf", """
                        locals {
                          catalog = {
                            ingest = { reads = ["landing"], writes = ["raw"] }
                          }
                        }
                        """,
                "terraform/envs/dev/main.tf", """
                        locals {
                          jobs = ["ingest"]
                        }
                        module "ecr" {
                          source       = "../../modules/ecr"
                          repositories = local.jobs
                        }
                        module "job_roles" {
                          source = "../../modules/job_roles"
                          jobs   = concat(local.jobs, ["score"])
                        }
                        """));
        Set<String> images = TerraformTest.imageJobs(repo.resolve("images"));
        assertThat(images).containsExactly("ingest", "score");
        assertThat(checks.jobs(images, repo.resolve("terraform/envs"), repo.resolve("terraform/modules/job_roles"))).containsExactlyInAnyOrder(
                "images/score: no entry in terraform/modules/job_roles local.catalog (what the job may touch)",
                "images/score: no ECR repository in terraform/envs/dev (module.ecr repositories)",
                "terraform/envs/dev/main.tf: module.job_roles: jobs is not a literal list or a local holding one");
    }

    @Test
    void environmentsThatDifferFromTheSpecsFail() throws IOException {
        TerraformChecks checks = load(Map.of("terraform/envs/dev/main.tf", """
                locals {
                  models = ["zone_demand"]
                  groups = [
                    { model = "zone_demand", group = "zone_activity" },
                    { model = "trip_risk", group = "trip" },
                    { model = "old_model", group = "gone", online = false },
                  ]
                }
                module "online_store" {
                  source         = "../../modules/online_store"
                  feature_groups = local.groups
                }
                module "sagemaker" {
                  source = "../../modules/sagemaker"
                  models = local.models
                }
                """));
        Map<String, Map<String, Boolean>> specs = Map.of(
                "zone_demand", Map.of("zone_activity", true),
                "trip_risk", Map.of("trip", false, "driver_history", true));
        String m = "terraform/envs/dev/main.tf: module.online_store";
        assertThat(checks.models(specs, repo.resolve("terraform/envs"))).containsExactlyInAnyOrder(
                "dags/models: feature group trip_risk/trip online=false is not in " + m + " feature_groups",
                "dags/models: feature group trip_risk/driver_history online=true is not in " + m + " feature_groups",
                m + ": feature group trip_risk/trip online=true is in no spec under dags/models",
                m + ": feature group old_model/gone online=false is in no spec under dags/models",
                "terraform/envs/dev/main.tf: module.sagemaker: models [zone_demand] are not the specs' models [trip_risk, zone_demand]");
    }

    @Test
    void ddlThatDoesNotSplitCleanlyFails() throws IOException {
        Path sql = repo.resolve("sql/athena");
        Files.createDirectories(sql);
        Files.writeString(sql.resolve("a.sql"), """
                -- a comment; with a semicolon
                CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.t0 (x int COMMENT 'a; b')
                LOCATION '${lake}/t0/';
                CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.t1 (x int COMMENT 'a first line;
                and a second')
                LOCATION '${lake}/t1/';
                CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.t2 (x int)
                LOCATION 's3://hard/coded/';
                """);
        Files.writeString(sql.resolve("b.sql"), """
                CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.t2 (x int)
                LOCATION '${lake}/t2/';
                """);
        assertThat(TerraformChecks.ddl(sql)).containsExactlyInAnyOrder(
                "sql/athena/a.sql: t1: no ${database}. table name or LOCATION '${lake}/...' to fill in",
                "sql/athena/a.sql: t1: the statement does not end with ')' or a quote once cut (a ';' ending a line inside it?)",
                "sql/athena/a.sql: t2: no ${database}. table name or LOCATION '${lake}/...' to fill in",
                "sql/athena/b.sql: t2: the table is also defined in a.sql");
    }

    @Test
    void aFileThatIsNotHclFailsWithTheParsersPosition() throws IOException {
        Path bad = repo.resolve("terraform/bad.tf");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "resource \"aws_s3_bucket\" \"x\" {\n  bucket = [1,\n}\n");
        assertThatThrownBy(() -> TerraformConfig.load(repo, repo.resolve("terraform")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.tf:3,1-2")
                .hasMessageContaining("Invalid expression");
    }
}
