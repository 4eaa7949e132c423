# The deployment's settings, read from the one file that holds them: dags/environments/<env>.yaml.
# The DAGs' plan layer (dags/mlops_plan/plan.py, aws_env) renders every pod's environment from the
# same file, so the lake URI a pod gets and the prefixes its IAM role grants cannot drift apart;
# jobs/deploy's DeploymentConsistencyTest renders both sides and checks them call by call.
#
# Names a resource module creates are either written in the file (buckets, name_prefix) or derived
# here by the one rule the plan layer also uses; ARNs follow AWS's formats.

locals {
  file = yamldecode(file(var.environment_file))
  aws  = local.file.aws

  env            = local.file.env
  account_id     = tostring(local.aws.account_id)
  region         = local.aws.region
  partition      = try(local.aws.partition, "aws")
  name_prefix    = local.aws.name_prefix
  lake_bucket    = local.aws.lake_bucket
  lake_prefix    = trim(try(local.aws.lake_prefix, ""), "/")
  lake_uri       = local.lake_prefix == "" ? "s3://${local.lake_bucket}" : "s3://${local.lake_bucket}/${local.lake_prefix}"
  audit_bucket   = local.aws.audit_bucket
  audit_uri      = local.lake_prefix == "" ? "s3://${local.audit_bucket}" : "s3://${local.audit_bucket}/${local.lake_prefix}"
  execution_role = "${local.name_prefix}-sagemaker-execution"
  kms_alias      = "alias/${local.name_prefix}"

  service_account_prefix = try(local.file.service_account_prefix, "mlops-")
  jobs                   = sort(keys(local.file.jobs))
}

resource "terraform_data" "checks" {
  input = local.env

  lifecycle {
    precondition {
      condition     = can(regex("^[0-9]{12}$", local.account_id))
      error_message = "${var.environment_file}: aws.account_id must be 12 digits, got '${local.account_id}'."
    }
    precondition {
      condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", local.region))
      error_message = "${var.environment_file}: aws.region must be an AWS region name such as eu-west-1, got '${local.region}'."
    }
    precondition {
      condition     = trimspace(try(local.aws.alarm_name_prefix, "")) != ""
      error_message = "${var.environment_file}: aws.alarm_name_prefix must not be empty (promote may read only the alarms it names)."
    }
  }
}
