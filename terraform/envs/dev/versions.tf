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
  # both from dags/environments/<env>.yaml (modules/settings: a file read, known at plan time)
  region              = module.settings.region
  allowed_account_ids = [module.settings.account_id]

  default_tags {
    tags = merge(var.tags, {
      "mlops:env"  = local.env
      "managed-by" = "terraform"
    })
  }
}
