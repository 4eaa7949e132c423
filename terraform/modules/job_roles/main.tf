# One IAM role per job, assumed by the job's Kubernetes service account through IRSA, with one
# managed policy holding only what the job needs (jobs.tf): its lake prefixes, its online-store
# tables, its SageMaker actions on its models' resources, the metadata database secret.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  issuer    = trimprefix(var.oidc_issuer_url, "https://")

  unknown_jobs = setsubtract(var.jobs, keys(local.catalog))
  jobs         = { for j in var.jobs : j => local.catalog[j] if contains(keys(local.catalog), j) }

  service_accounts = { for j in keys(local.jobs) : j => "${var.service_account_prefix}${j}" }

  # lake prefixes as keys: "<root>/<prefix>", without a trailing slash
  kp = var.lake_key_prefix
  prefixes = {
    for j, c in local.jobs : j => {
      read  = [for p in c.reads : "${local.kp}${p}"]
      write = concat([for p in c.writes : "${local.kp}${p}"], ["${local.kp}_staging/${j}"])
    }
  }
  # the lake root and its parents: S3A probes every parent of a path it creates, up to the root
  root_parts = compact(split("/", local.kp))
  root_keys  = [for i in range(length(local.root_parts)) : join("/", slice(local.root_parts, 0, i + 1))]

  # SageMaker names per model (SageMakerTrainer: the model name with hyphens). Training and tuning job
  # names start with it, but a tuning job's is cut to fit 32 characters (and its training jobs are
  # named after it), so job resources match on the first 12 characters of the name
  sagemaker_names   = [for m in var.models : replace(m, "_", "-")]
  job_name_prefixes = [for n in local.sagemaker_names : trimsuffix(substr(n, 0, 12), "-")]
  sagemaker_arn     = "arn:${local.partition}:sagemaker:${local.region}:${local.account}"
}

resource "terraform_data" "catalog_check" {
  input = sort(var.jobs)

  lifecycle {
    precondition {
      condition     = length(local.unknown_jobs) == 0
      error_message = "No entry in job_roles' jobs.tf for: ${join(", ", sort(tolist(local.unknown_jobs)))}."
    }
  }
}

data "aws_iam_policy_document" "assume" {
  for_each = local.jobs

  statement {
    sid     = "ServiceAccount"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${local.service_accounts[each.key]}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

# --- the lake, the metadata database: every job ---
data "aws_iam_policy_document" "lake" {
  for_each = local.jobs

  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.lake_bucket_arn]
    dynamic "condition" {
      for_each = var.restrict_listing_to_prefixes ? [1] : []
      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values = concat(
          [local.kp],
          flatten([for p in concat(local.prefixes[each.key].read, local.prefixes[each.key].write) : [p, "${p}/*"]])
        )
      }
    }
  }

  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.lake_bucket_arn]
  }

  dynamic "statement" {
    for_each = length(local.root_keys) > 0 ? [1] : []
    content {
      sid       = "LakeRootProbes"
      actions   = ["s3:GetObject"]
      resources = [for k in local.root_keys : "${var.lake_bucket_arn}/${k}"]
    }
  }

  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = flatten([for p in local.prefixes[each.key].read : ["${var.lake_bucket_arn}/${p}", "${var.lake_bucket_arn}/${p}/*"]])
  }

  # publish is a rename: copy (get + put) and delete, in the job's own prefixes only
  statement {
    sid = "ReadWrite"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = flatten([for p in local.prefixes[each.key].write : ["${var.lake_bucket_arn}/${p}", "${var.lake_bucket_arn}/${p}/*"]])
  }

  statement {
    sid       = "LakeKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  # DescribeSecret too: the Secrets Store CSI driver's AWS provider calls it
  statement {
    sid       = "DatabaseSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = each.value.ops_db && var.ops_db_secret_arn != null ? [var.metadata_db_secret_arn, var.ops_db_secret_arn] : [var.metadata_db_secret_arn]
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "SecretsKeyThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

# --- the online store: features ---
data "aws_iam_policy_document" "online_store" {
  for_each = { for j, c in local.jobs : j => c if c.online_store && length(var.online_table_arns) > 0 }

  statement {
    sid       = "OnlineTables"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"]
    resources = var.online_table_arns
  }

  statement {
    sid       = "OnlineTablesKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }
  }
}

# --- SageMaker: train ---
data "aws_iam_policy_document" "sagemaker_train" {
  for_each = { for j, c in local.jobs : j => c if c.sagemaker == "train" && length(var.models) > 0 }

  # SageMakerTrainer.jobName / tuningJobName; AddTags: the jobs are created with tags
  statement {
    sid = "TrainingAndTuningJobs"
    actions = [
      "sagemaker:CreateTrainingJob",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:StopTrainingJob",
      "sagemaker:CreateHyperParameterTuningJob",
      "sagemaker:DescribeHyperParameterTuningJob",
      "sagemaker:AddTags",
    ]
    resources = flatten([for p in local.job_name_prefixes : [
      "${local.sagemaker_arn}:training-job/${p}*",
      "${local.sagemaker_arn}:hyper-parameter-tuning-job/${p}*",
    ]])
  }

  statement {
    sid = "RegisterModelPackages"
    actions = [
      "sagemaker:CreateModelPackage",
      "sagemaker:CreateModelPackageGroup",
      "sagemaker:DescribeModelPackageGroup",
      "sagemaker:DescribeModelPackage",
    ]
    resources = flatten([for n in local.sagemaker_names : [
      "${local.sagemaker_arn}:model-package-group/${n}",
      "${local.sagemaker_arn}:model-package/${n}",
      "${local.sagemaker_arn}:model-package/${n}/*",
    ]])
  }

  statement {
    sid       = "PassExecutionRoleForTraining"
    actions   = ["iam:PassRole"]
    resources = [var.sagemaker_execution_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
}

# --- SageMaker: transform ---
data "aws_iam_policy_document" "sagemaker_transform" {
  for_each = { for j, c in local.jobs : j => c if c.sagemaker == "transform" && length(var.models) > 0 }

  # models and transform jobs are named after the model's SageMaker name, like training jobs
  statement {
    sid = "BatchTransform"
    actions = [
      "sagemaker:CreateModel",
      "sagemaker:CreateTransformJob",
      "sagemaker:DescribeTransformJob",
      "sagemaker:StopTransformJob",
      "sagemaker:AddTags",
    ]
    resources = flatten([for n in local.sagemaker_names : [
      "${local.sagemaker_arn}:model/${n}-*",
      "${local.sagemaker_arn}:transform-job/${n}-*",
    ]])
  }

  statement {
    sid       = "PassExecutionRoleForTransform"
    actions   = ["iam:PassRole"]
    resources = [var.sagemaker_execution_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
}

# --- SageMaker: promote ---
data "aws_iam_policy_document" "sagemaker_promote" {
  for_each = { for j, c in local.jobs : j => c if c.sagemaker == "promote" && length(var.models) > 0 }

  statement {
    sid     = "ApproveModelPackages"
    actions = ["sagemaker:UpdateModelPackage", "sagemaker:DescribeModelPackage"]
    resources = flatten([for n in local.sagemaker_names : [
      "${local.sagemaker_arn}:model-package/${n}",
      "${local.sagemaker_arn}:model-package/${n}/*",
    ]])
  }

  # real-time models: the endpoint is named like the model; its configurations start with that name
  statement {
    sid = "Endpoints"
    actions = [
      "sagemaker:UpdateEndpoint",
      "sagemaker:DescribeEndpoint",
      "sagemaker:CreateEndpointConfig",
      "sagemaker:DescribeEndpointConfig",
      "sagemaker:AddTags",
    ]
    resources = flatten([for n in local.sagemaker_names : [
      "${local.sagemaker_arn}:endpoint/${n}",
      "${local.sagemaker_arn}:endpoint-config/${n}-*",
    ]])
  }
}

data "aws_iam_policy_document" "alarms" {
  for_each = { for j, c in local.jobs : j => c if c.describe_alarms }

  statement {
    sid       = "DescribeAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:${var.alarm_name_prefix}*"]
  }
}

data "aws_iam_policy_document" "job" {
  for_each = local.jobs

  source_policy_documents = compact([
    data.aws_iam_policy_document.lake[each.key].json,
    try(data.aws_iam_policy_document.online_store[each.key].json, ""),
    try(data.aws_iam_policy_document.sagemaker_train[each.key].json, ""),
    try(data.aws_iam_policy_document.sagemaker_transform[each.key].json, ""),
    try(data.aws_iam_policy_document.sagemaker_promote[each.key].json, ""),
    try(data.aws_iam_policy_document.alarms[each.key].json, ""),
  ])
}

resource "aws_iam_role" "job" {
  for_each = local.jobs

  name                 = "${var.name_prefix}-${each.key}"
  description          = "mlops ${each.key} job (service account ${var.namespace}/${local.service_accounts[each.key]})"
  assume_role_policy   = data.aws_iam_policy_document.assume[each.key].json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = merge(var.tags, { "mlops:job" = each.key })
}

resource "aws_iam_policy" "job" {
  for_each = local.jobs

  name        = "${var.name_prefix}-${each.key}"
  description = "What the mlops ${each.key} job may do"
  policy      = data.aws_iam_policy_document.job[each.key].json
  tags        = merge(var.tags, { "mlops:job" = each.key })
}

resource "aws_iam_role_policy_attachment" "job" {
  for_each = local.jobs

  role       = aws_iam_role.job[each.key].name
  policy_arn = aws_iam_policy.job[each.key].arn
}
