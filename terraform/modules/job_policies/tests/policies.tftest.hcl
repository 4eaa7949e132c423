# `terraform test` (Terraform 1.7+; make terraform-check): renders every job's policy (no provider, so this
# runs with no credentials, network or provider download) and checks what each job may do.

variables {
  jobs                         = ["ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote"]
  account_id                   = "111122223333"
  region                       = "eu-west-1"
  lake_bucket_arn              = "arn:aws:s3:::lake"
  lake_key_prefix              = "prod/"
  kms_key_arn                  = "arn:aws:kms:eu-west-1:111122223333:key/test"
  online_table_arns            = ["arn:aws:dynamodb:eu-west-1:111122223333:table/mlops-zone_demand-zone_activity"]
  models                       = ["zone_demand", "trip_risk"]
  sagemaker_execution_role_arn = "arn:aws:iam::111122223333:role/mlops-test-sagemaker-execution"
  alarm_name_prefix            = "mlops-test-"
  audit_bucket_arn             = "arn:aws:s3:::audit"
  audit_key_prefix             = "prod/"
}

run "policies" {
  command = plan

  assert {
    condition     = length(output.documents) == 8
    error_message = "Expected a policy per job."
  }

  assert {
    condition = alltrue([for j, d in output.documents : alltrue([
      for s in jsondecode(d).Statement : !contains(flatten([s.Action]), "*") && !contains(flatten([s.Action]), "s3:*")
    ])])
    error_message = "A job policy allows * or s3:*."
  }

  assert {
    condition     = [for j, d in output.documents : j if strcontains(d, "dynamodb:")] == ["features"]
    error_message = "Only features may use the online store."
  }

  assert {
    condition     = [for j, d in output.documents : j if strcontains(d, "iam:PassRole")] == ["promote", "train", "transform"]
    error_message = "Only train, transform and promote (an endpoint's model) may pass the SageMaker execution role."
  }

  assert {
    condition     = [for j, d in output.documents : j if strcontains(d, "sagemaker:")] == ["promote", "train", "transform"]
    error_message = "Only train, transform and promote may call SageMaker."
  }

  assert {
    condition     = [for j, d in output.documents : j if strcontains(d, "secretsmanager:")] == []
    error_message = "No job reads Secrets Manager: the pods get credentials from Kubernetes secrets."
  }

  assert {
    condition     = [for j, d in output.documents : j if strcontains(d, "arn:aws:s3:::audit")] == ["promote"]
    error_message = "Only promote writes the audit anchor."
  }

  assert {
    condition     = !strcontains(output.documents["promote"], "s3:DeleteObject\",\"s3:AbortMultipartUpload\"],\"Effect\":\"Allow\",\"Resource\":[\"arn:aws:s3:::audit")
    error_message = "promote must not delete anchors."
  }

  assert {
    condition     = strcontains(output.documents["promote"], "alarm:mlops-test-*")
    error_message = "promote reads only the alarms under the prefix."
  }

  assert {
    condition     = !strcontains(output.documents["shadow"], "lake/prod/models")
    error_message = "shadow must not reach models/."
  }

  assert {
    condition     = strcontains(output.documents["ingest"], "\"arn:aws:s3:::lake/prod/_staging/ingest/*\"")
    error_message = "ingest stages under _staging/ingest/."
  }
}

run "unknown_job" {
  command = plan

  variables {
    jobs = ["ingest", "retrain"]
  }

  expect_failures = [terraform_data.checks]
}

run "empty_alarm_prefix" {
  command = plan

  variables {
    alarm_name_prefix = ""
  }

  expect_failures = [terraform_data.checks]
}
