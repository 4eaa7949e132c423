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

module "ecr" {
  source = "../.."

  repositories          = ["ingest", "validate", "features", "train"]
  kms_key_arn           = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
  tagged_images_to_keep = 10
}

output "repository_urls" {
  description = "Where to push each job's image."
  value       = module.ecr.repository_urls
}
