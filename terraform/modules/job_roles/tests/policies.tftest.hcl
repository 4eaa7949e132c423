# `terraform test` (Terraform 1.7+; make terraform-check): renders every job's policy with the real
# provider (aws_iam_policy_document is computed locally; the account, partition and region are
# overridden, so no credentials or network are needed) and checks what each job may do.

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111122223333" }
}

override_data {
  target = data.aws_partition.current
  values = { partition = "aws" }
}

override_data {
  target = data.aws_region.current
  values = { name = "eu-west-1" }
}

variables {
  name_prefix                  = "mlops-test"
  jobs                         = ["ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote"]
  oidc_provider_arn            = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/TEST"
  oidc_issuer_url              = "https://oidc.eks.eu-west-1.amazonaws.com/id/TEST"
  lake_bucket_arn              = "arn:aws:s3:::lake"
  lake_key_prefix              = "prod/"
  kms_key_arn                  = "arn:aws:kms:eu-west-1:111122223333:key/test"
  online_table_arns            = ["arn:aws:dynamodb:eu-west-1:111122223333:table/mlops-zone_demand-zone_activity"]
  models                       = ["zone_demand", "trip_risk"]
  sagemaker_execution_role_arn = "arn:aws:iam::111122223333:role/mlops-test-sagemaker-execution"
  metadata_db_secret_arn       = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metadata"
  ops_db_secret_arn            = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ops"
}

run "policies" {
  command = plan

  assert {
    condition     = length(aws_iam_role.job) == 8 && length(aws_iam_policy.job) == 8
    error_message = "Expected a role and a policy per job."
  }

  assert {
    condition = alltrue([for j, d in data.aws_iam_policy_document.job : alltrue([
      for s in jsondecode(d.json).Statement : !contains(flatten([s.Action]), "*") && !contains(flatten([s.Action]), "s3:*")
    ])])
    error_message = "A job policy allows * or s3:*."
  }

  assert {
    condition     = [for j, d in data.aws_iam_policy_document.job : j if strcontains(d.json, "dynamodb:")] == ["features"]
    error_message = "Only features may use the online store."
  }

  assert {
    condition     = [for j, d in data.aws_iam_policy_document.job : j if strcontains(d.json, "iam:PassRole")] == ["train", "transform"]
    error_message = "Only train and transform may pass the SageMaker execution role."
  }

  assert {
    condition     = [for j, d in data.aws_iam_policy_document.job : j if strcontains(d.json, "sagemaker:")] == ["promote", "train", "transform"]
    error_message = "Only train, transform and promote may call SageMaker."
  }

  assert {
    condition     = [for j, d in data.aws_iam_policy_document.job : j if strcontains(d.json, "secret:ops")] == ["ingest"]
    error_message = "Only ingest may read the operational database secret."
  }

  assert {
    condition     = !strcontains(data.aws_iam_policy_document.job["shadow"].json, "lake/prod/models")
    error_message = "shadow must not reach models/."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.job["ingest"].json, "\"arn:aws:s3:::lake/prod/_staging/ingest/*\"")
    error_message = "ingest stages under _staging/ingest/."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.assume["features"].json, "system:serviceaccount:mlops:mlops-features")
    error_message = "The features role is for the mlops/mlops-features service account only."
  }
}

run "unknown_job" {
  command = plan

  variables {
    jobs = ["ingest", "retrain"]
  }

  expect_failures = [terraform_data.catalog_check]
}
