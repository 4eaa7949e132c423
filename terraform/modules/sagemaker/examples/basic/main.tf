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

module "sagemaker" {
  source = "../.."

  name_prefix     = "mlops-example"
  models          = ["zone_demand", "trip_risk"]
  lake_bucket_arn = "arn:aws:s3:::example-mlops-lake"
  lake_key_prefix = "example/"
  kms_key_arn     = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
  # the specs' rollback alarms are named mlops-<model>-... (e.g. mlops-zone-demand-rt-5xx)
  alarm_name_prefix = "mlops-"

  # zone_demand also served in real time, starting from a model that already exists in SageMaker
  endpoints = {
    zone_demand = { model_name = "zone-demand-v1", instance_type = "ml.m5.large" }
  }
}

output "execution_role_arn" {
  description = "For sagemaker.role_arn."
  value       = module.sagemaker.execution_role_arn
}
