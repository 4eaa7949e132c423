# One IAM role per job, assumed by the job's Kubernetes service account through IRSA, with one
# managed policy holding only what the job needs (../job_policies: its lake prefixes, its online-store
# tables, its SageMaker actions on its models' resources, its alarms, the audit anchor).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  issuer    = trimprefix(var.oidc_issuer_url, "https://")

  jobs             = { for j in var.jobs : j => j }
  service_accounts = { for j in var.jobs : j => "${var.service_account_prefix}${j}" }
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

# --- what each job may do: ../job_policies (plain JSON, rendered and checked without AWS) ---
module "policies" {
  source = "../job_policies"

  jobs                         = var.jobs
  account_id                   = local.account
  partition                    = local.partition
  region                       = local.region
  lake_bucket_arn              = var.lake_bucket_arn
  lake_key_prefix              = var.lake_key_prefix
  restrict_listing_to_prefixes = var.restrict_listing_to_prefixes
  kms_key_arn                  = var.kms_key_arn
  online_table_arns            = var.online_table_arns
  models                       = var.models
  sagemaker_execution_role_arn = var.sagemaker_execution_role_arn
  alarm_name_prefix            = var.alarm_name_prefix
  audit_bucket_arn             = var.audit_bucket_arn
  audit_key_prefix             = var.audit_key_prefix
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
  policy      = module.policies.documents[each.key]
  tags        = merge(var.tags, { "mlops:job" = each.key })
}

resource "aws_iam_role_policy_attachment" "job" {
  for_each = local.jobs

  role       = aws_iam_role.job[each.key].name
  policy_arn = aws_iam_policy.job[each.key].arn
}
