terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.25"
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

# the cluster the DAGs' pods run in: the service accounts and RBAC of modules/k8s_service_accounts
data "aws_eks_cluster" "this" {
  count = var.manage_service_accounts ? 1 : 0
  name  = var.eks_cluster_name
}

provider "kubernetes" {
  host                   = try(data.aws_eks_cluster.this[0].endpoint, null)
  cluster_ca_certificate = try(base64decode(data.aws_eks_cluster.this[0].certificate_authority[0].data), null)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", coalesce(var.eks_cluster_name, "none"), "--region", module.settings.region]
  }
}
