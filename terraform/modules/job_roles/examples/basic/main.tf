terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "job_roles" {
  source = "../.."

  name_prefix       = "mlops-example"
  jobs              = ["ingest", "validate", "features", "train"]
  oidc_provider_arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789"
  oidc_issuer_url   = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789"
  lake_bucket_arn   = "arn:aws:s3:::example-mlops-lake"
  lake_key_prefix   = "example/"
  kms_key_arn       = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
  online_table_arns = [
    "arn:aws:dynamodb:eu-west-1:111122223333:table/mlops-zone_demand-zone_activity",
    "arn:aws:dynamodb:eu-west-1:111122223333:table/mlops-trip_risk-driver_history",
  ]
  models                       = ["zone_demand", "trip_risk"]
  sagemaker_execution_role_arn = "arn:aws:iam::111122223333:role/mlops-example-sagemaker-execution"
  alarm_name_prefix            = "mlops-example-"
}

output "service_accounts" {
  description = "Service accounts to create in the cluster, with their role annotations."
  value       = module.job_roles.service_accounts
}
