# The lake bucket (one root, organised by prefix: jobs publish by rename, which S3A cannot do across
# buckets; see docs/adr/0008-aws-one-lake-bucket.md) and the Athena query-results bucket.
# And the audit bucket: the ledger's external anchor (mlops audit anchor), under S3 Object Lock.
# All three: SSE-KMS with the environment's key, versioning, ACLs disabled, public access blocked, a
# TLS-only bucket policy that also refuses uploads naming another KMS key, and lifecycle rules.

locals {
  root_prefix = trim(var.lake_prefix, "/")
  # the lake root as an S3 key prefix: "" or "<prefix>/"
  key_prefix = local.root_prefix == "" ? "" : "${local.root_prefix}/"

  buckets = {
    lake    = var.lake_bucket_name
    results = var.results_bucket_name
    audit   = var.audit_bucket_name
  }

  # how a writer may name the environment's key in x-amz-server-side-encryption-aws-kms-key-id (see
  # README, "Which KMS key"): the key ARN, the bare key id and, when given, the alias name and alias ARN
  # arn:<partition>:kms:<region>:<account>:key/<id>
  kms_key_id   = try(regex(":key/(.+)$", var.kms_key_arn)[0], "")
  kms_arn_head = try(regex("^(arn:[^:]+:kms:[^:]+:[0-9]+):", var.kms_key_arn)[0], "")
  kms_key_names = distinct(compact([
    var.kms_key_arn,
    local.kms_key_id,
    var.kms_alias_name == null ? "" : var.kms_alias_name,
    var.kms_alias_name == null || local.kms_arn_head == "" ? "" : "${local.kms_arn_head}:${var.kms_alias_name}",
  ]))

  # lake prefixes that expire, with the lake root in front
  expiring_prefixes = { for p, days in var.lake_expiration_days : "${local.key_prefix}${p}" => days }
}

resource "aws_s3_bucket" "this" {
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy
  # Object Lock can only be switched on when a bucket is created: the audit bucket has it from the start
  object_lock_enabled = each.key == "audit"
  tags                = merge(var.tags, { "mlops:bucket" = each.key })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # one data key per bucket instead of a KMS call per object
    bucket_key_enabled = true
  }
}

data "aws_iam_policy_document" "bucket" {
  for_each = aws_s3_bucket.this

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
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
    sid       = "DenyTlsBelow12"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  # uploads take the bucket's default (SSE-KMS); one that asks for another encryption is refused
  statement {
    sid       = "DenyOtherEncryption"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["false"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }

  # an upload that names a KMS key must name the environment's key (in any of the forms it can be named
  # by); one that names none takes the bucket default (S3A's writes). Why the list: README, "Which KMS key"
  statement {
    sid       = "DenyOtherKmsKey"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${each.value.arn}/*"]
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
      values   = local.kms_key_names
    }
  }

  # "aws:kms" without a key id means the AWS managed key aws/s3, not the bucket default: refused
  statement {
    sid       = "DenyAwsManagedKey"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = ["true"]
    }
  }

  # the audit anchor is written once and kept: nobody deletes an anchor (Object Lock keeps locked
  # versions; this also refuses the delete marker that would hide one) or changes the lock
  dynamic "statement" {
    for_each = each.key == "audit" ? [1] : []
    content {
      sid       = "DenyAuditDeletes"
      effect    = "Deny"
      actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]
      resources = ["${each.value.arn}/*"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.bucket[each.key].json

  # a bucket policy is only accepted once the public access block is in place
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.this["lake"].id

  # every publish is a copy and a delete on S3 (a rename), so old versions pile up: they go after a while
  rule {
    id     = "noncurrent-versions-and-uploads"
    status = "Enabled"
    # the whole bucket: an empty prefix (a bare `filter {}` warns on AWS provider 5.86+)
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  dynamic "rule" {
    for_each = local.expiring_prefixes
    content {
      id     = "expire-${replace(trimsuffix(rule.key, "/"), "/", "-")}"
      status = "Enabled"
      filter {
        prefix = rule.key
      }
      expiration {
        days = rule.value
      }
    }
  }

  # lifecycle rules on noncurrent versions need versioning first
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.this["results"].id

  rule {
    id     = "expire-query-results"
    status = "Enabled"
    filter {
      prefix = ""
    }

    expiration {
      days = var.results_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

# The audit bucket: every object is locked for audit_retention_days from its upload (the bucket's
# default retention; the anchor writer sends no retention of its own), in COMPLIANCE mode (nobody, the
# root user included, can shorten it or delete a locked version) or GOVERNANCE (a principal with
# s3:BypassGovernanceRetention could; the bucket policy refuses that action to everyone).
resource "aws_s3_bucket_object_lock_configuration" "audit" {
  bucket = aws_s3_bucket.this["audit"].id

  rule {
    default_retention {
      mode = var.audit_retention_mode
      days = var.audit_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

# No expiry at all: anchors are kept (past their retention too); only unfinished uploads are cleaned up
resource "aws_s3_bucket_lifecycle_configuration" "audit" {
  bucket = aws_s3_bucket.this["audit"].id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {
      prefix = ""
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}
