# `terraform test` (Terraform 1.7+; make terraform-check): the generated DDL (sql/athena) becomes one
# named query per table, with the lake root and the database filled in and the projection templates kept.

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
  target = data.aws_region.current
  values = { name = "eu-west-1" }
}

variables {
  database_name  = "mlops_test"
  workgroup_name = "mlops-test"
  lake_uri       = "s3://lake/prod/"
  results_uri    = "s3://results/athena/"
  kms_key_arn    = "arn:aws:kms:eu-west-1:111122223333:key/test"
  ddl_files      = [for f in fileset("../../../sql/athena", "*.sql") : "../../../sql/athena/${f}"]
}

run "tables" {
  command = plan

  assert {
    condition     = alltrue([for t in ["dq_results", "audit_log", "raw_rentals", "validated_trips", "quarantine_zones", "features_zone_activity", "features_driver_history"] : contains(keys(aws_athena_named_query.ddl), t)])
    error_message = "A table of the DDL files has no named query."
  }

  assert {
    condition = alltrue([for t, q in aws_athena_named_query.ddl :
      startswith(q.query, "CREATE EXTERNAL TABLE IF NOT EXISTS mlops_test.${t} (")
      && strcontains(q.query, "LOCATION 's3://lake/prod/")
      && strcontains(q.query, "'storage.location.template' = 's3://lake/prod/")
      && strcontains(q.query, "dt=$${dt}/")
      && !strcontains(q.query, "$${lake}") && !strcontains(q.query, "$${database}") && !strcontains(q.query, "--")
      && endswith(q.query, ")")
    ])
    error_message = "A statement still has a placeholder or a comment, or lost its projection template."
  }

  assert {
    condition     = length(terraform_data.ddl) == 0
    error_message = "run_ddl is off by default."
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration && aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option == "SSE_KMS"
    error_message = "The workgroup enforces its configuration and SSE-KMS."
  }
}
