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

module "kms" {
  source = "../../../kms"

  alias = "mlops-example"
}

module "lake" {
  source = "../.."

  lake_bucket_name    = "example-mlops-lake"
  lake_prefix         = "example"
  results_bucket_name = "example-mlops-athena-results"
  audit_bucket_name   = "example-mlops-audit"
  kms_key_arn         = module.kms.key_arn
  kms_alias_name      = module.kms.alias_name
  # an example: governance mode, a month (production: COMPLIANCE, years)
  audit_retention_mode = "GOVERNANCE"
  audit_retention_days = 30
  # keep raw data for 90 days only
  lake_expiration_days = {
    "landing/"    = 14
    "raw/"        = 90
    "quarantine/" = 30
    "_staging/"   = 3
    "sagemaker/"  = 14
  }
  force_destroy = true
}

output "lake_uri" {
  description = "lake.uri of the example lake."
  value       = module.lake.lake_uri
}

output "audit_anchor_uri" {
  description = "audit.anchor_uri of the example."
  value       = module.lake.audit_anchor_uri
}
