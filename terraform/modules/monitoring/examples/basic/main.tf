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

module "monitoring" {
  source = "../.."

  workspace_alias     = "mlops-example"
  kms_key_arn         = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
  alert_sns_topic_arn = "arn:aws:sns:eu-west-1:111122223333:mlops-alerts"
}

output "remote_write_url" {
  description = "Where the Pushgateway's scraper remote-writes the jobs' metrics."
  value       = module.monitoring.remote_write_url
}
