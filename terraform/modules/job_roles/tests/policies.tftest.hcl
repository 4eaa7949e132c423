# `terraform test` (Terraform 1.7+; make terraform-check): plans the roles with the real provider (the
# account, partition and region are overridden, so no credentials or network are needed): one role and
# one policy per job, job_policies' documents attached, each role trusted by its service account only.

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
  alarm_name_prefix            = "mlops-test-"
}

run "policies" {
  command = plan

  assert {
    condition     = length(aws_iam_role.job) == 8 && length(aws_iam_policy.job) == 8
    error_message = "Expected a role and a policy per job."
  }

  assert {
    condition     = aws_iam_policy.job["features"].policy == module.policies.documents["features"]
    error_message = "Each role's policy is job_policies' document (its own checks: ../job_policies/tests)."
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

  expect_failures = [module.policies]
}
