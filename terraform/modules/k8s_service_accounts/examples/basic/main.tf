terraform {
  required_version = ">= 1.5"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.25"
    }
  }
}

provider "kubernetes" {
  config_path = "~/.kube/config"
}

module "service_accounts" {
  source = "../.."

  namespace = "mlops"
  service_accounts = {
    features = { name = "mlops-features", role_arn = "arn:aws:iam::111122223333:role/mlops-example-features" }
    validate = { name = "mlops-validate", role_arn = "arn:aws:iam::111122223333:role/mlops-example-validate" }
  }
  spark_driver_jobs = ["features"]
}

output "service_account_names" {
  description = "The service accounts created."
  value       = module.service_accounts.service_account_names
}
