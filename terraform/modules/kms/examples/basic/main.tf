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
  source = "../.."

  alias = "mlops-example"
  tags  = { "mlops:env" = "example" }
}

output "key_arn" {
  description = "ARN of the example key."
  value       = module.kms.key_arn
}
