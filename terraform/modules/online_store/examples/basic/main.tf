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

module "online_store" {
  source = "../.."

  kms_key_arn = module.kms.key_arn
  feature_groups = [
    { model = "zone_demand", group = "zone_activity" },
    { model = "trip_risk", group = "trip", online = false },
    { model = "trip_risk", group = "driver_history" },
  ]
  deletion_protection = false
}

output "tables" {
  description = "mlops-zone_demand-zone_activity and mlops-trip_risk-driver_history."
  value       = module.online_store.table_names
}
