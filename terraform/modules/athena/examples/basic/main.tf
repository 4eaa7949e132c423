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

locals {
  # the DDL that `mlops spec --athena` generates, in this repository
  ddl_dir = "${path.module}/../../../../../sql/athena"
}

module "athena" {
  source = "../.."

  database_name  = "mlops_example"
  workgroup_name = "mlops-example"
  lake_uri       = "s3://example-mlops-lake/example"
  results_uri    = "s3://example-mlops-athena-results/athena/"
  kms_key_arn    = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
  ddl_files      = [for f in sort(fileset(local.ddl_dir, "*.sql")) : "${local.ddl_dir}/${f}"]
  run_ddl        = false
}

output "tables" {
  description = "The tables of the generated DDL."
  value       = module.athena.table_names
}
