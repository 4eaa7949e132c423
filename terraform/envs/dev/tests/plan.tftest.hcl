# `terraform test` (Terraform 1.7+; make terraform-check): plans the whole environment against a mocked
# AWS provider (no credentials, no network, no state backend) and checks what it would create.

mock_provider "kubernetes" {}

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_eks_cluster" {
    defaults = { endpoint = "https://test.eks", certificate_authority = [{ data = "dGVzdA==" }] }
  }
  # the policies themselves are checked by the job_roles module's test and by jobs/deploy
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  eks_cluster_name      = "test"
  eks_oidc_provider_arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/TEST"
  eks_oidc_issuer_url   = "https://oidc.eks.eu-west-1.amazonaws.com/id/TEST"
  run_athena_ddl        = false
}

run "plan" {
  command = plan

  assert {
    condition     = sort(keys(module.job_roles.role_arns)) == sort(local.jobs) && sort(keys(module.ecr.repository_urls)) == sort(local.jobs)
    error_message = "Every job has a role and a repository."
  }

  assert {
    condition     = sort(keys(module.online_store.table_names)) == sort(["trip_risk-driver_history", "zone_demand-zone_activity"])
    error_message = "One table per online feature group (trip_risk's trip group is offline only)."
  }

  assert {
    condition     = module.lake.lake_uri == "s3://acme-mlops-dev-lake/dev"
    error_message = "The lake root is the environment file's (dags/environments/dev.yaml)."
  }

  assert {
    condition     = module.lake.audit_anchor_uri == "s3://acme-mlops-dev-audit/dev/" && output.job_environment.MLOPS_AUDIT_ANCHOR_URI == "s3://acme-mlops-dev-audit/dev"
    error_message = "The audit anchor is the environment file's, and the jobs get it."
  }

  assert {
    condition     = contains(module.athena.table_names, "features_zone_activity") && contains(module.athena.table_names, "dq_results")
    error_message = "The generated DDL's tables are there."
  }

  assert {
    condition     = module.settings.metadata_jdbc_url == "jdbc:postgresql://mlops-dev.abcdefghijkl.eu-west-1.rds.amazonaws.com:5432/mlops"
    error_message = "The jobs' metadata JDBC URL, from the environment file."
  }
}
