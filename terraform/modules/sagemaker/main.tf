# SageMaker: the execution role its training, tuning and batch transform jobs and endpoints run as,
# one model package group per model (named like SageMakerTrainer.groupName: the model name with
# hyphens), and optionally a first endpoint configuration and endpoint for real-time models.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  # model -> SageMaker name (SageMakerTrainer.groupName: zone_demand -> zone-demand)
  sagemaker_names = { for m in var.models : m => replace(m, "_", "-") }

  # the lake prefixes SageMaker itself touches, with the lake root in front
  scratch_prefix = "${var.lake_key_prefix}sagemaker"
  models_prefix  = "${var.lake_key_prefix}models"
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "SageMakerAssumes"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    # confused-deputy guard: only SageMaker acting for this account
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "execution" {
  name                 = coalesce(var.execution_role_name, "${var.name_prefix}-sagemaker-execution")
  description          = "SageMaker training, tuning, batch transform and endpoints of ${var.name_prefix}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.lake_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [local.scratch_prefix, "${local.scratch_prefix}/*", local.models_prefix, "${local.models_prefix}/*"]
    }
  }

  # training input (CSV exports), outputs, checkpoints and batch transform input/output
  statement {
    sid       = "ReadWriteScratch"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${var.lake_bucket_arn}/${local.scratch_prefix}/*"]
  }

  # model.tar.gz of registered versions (batch transform models and endpoints)
  statement {
    sid       = "ReadModels"
    actions   = ["s3:GetObject"]
    resources = ["${var.lake_bucket_arn}/${local.models_prefix}/*"]
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

  statement {
    sid = "Logs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/sagemaker/*",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/sagemaker/*:log-stream:*",
    ]
  }

  # SageMaker's own use of the environment's key given as sagemaker.kms_key_id (OutputDataConfig,
  # TransformOutput, the volume keys): encrypting outputs and the grants for the EBS volumes
  statement {
    sid       = "KeyForOutputsAndVolumes"
    actions   = ["kms:Encrypt", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "VolumeGrants"
    actions   = ["kms:CreateGrant"]
    resources = [var.kms_key_arn]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  # endpoint updates roll back on the spec's CloudWatch alarms (AutoRollbackConfiguration): SageMaker
  # reads their state as this role; only alarms named with the environment's prefix
  statement {
    sid       = "DescribeRollbackAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:${var.alarm_name_prefix}*"]
  }

  # PutMetricData has no resource-level permissions: limited to SageMaker's namespaces instead
  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }

  # the built-in algorithm images (sagemaker-xgboost) live in AWS's accounts
  statement {
    sid       = "EcrToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullAlgorithmImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [for r in var.algorithm_repositories : "arn:${local.partition}:ecr:${local.region}:*:repository/${r}"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "sagemaker-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_sagemaker_model_package_group" "this" {
  for_each = local.sagemaker_names

  model_package_group_name        = each.value
  model_package_group_description = "versions of model ${each.key}"
  tags                            = merge(var.tags, { "mlops:model" = each.key })
}

# Real-time models: a first endpoint configuration (serving an existing SageMaker model) and,
# optionally, the endpoint. The promote job creates later configurations and moves the endpoint
# to them (UpdateEndpoint), so Terraform ignores which configuration the endpoint is on.
resource "aws_sagemaker_endpoint_configuration" "this" {
  for_each = var.endpoints

  name_prefix = "${local.sagemaker_names[each.key]}-"
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = "primary"
    model_name             = each.value.model_name
    instance_type          = each.value.instance_type
    initial_instance_count = each.value.initial_instance_count
  }

  tags = merge(var.tags, { "mlops:model" = each.key })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = contains(var.models, each.key)
      error_message = "Endpoint ${each.key} is not one of the models (var.models)."
    }
  }
}

resource "aws_sagemaker_endpoint" "this" {
  for_each = { for m, e in var.endpoints : m => e if e.create_endpoint }

  name                 = local.sagemaker_names[each.key]
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this[each.key].name
  tags                 = merge(var.tags, { "mlops:model" = each.key })

  lifecycle {
    ignore_changes = [endpoint_config_name]
  }
}
