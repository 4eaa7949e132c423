variable "eks_oidc_provider_arn" {
  type        = string
  description = "ARN of the IAM OIDC provider of the EKS cluster the DAGs' pods run in."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/", var.eks_oidc_provider_arn))
    error_message = "An IAM OIDC provider ARN."
  }
}

variable "eks_oidc_issuer_url" {
  type        = string
  description = "OIDC issuer URL of that cluster (https://oidc.eks.<region>.amazonaws.com/id/<id>)."

  validation {
    condition     = startswith(var.eks_oidc_issuer_url, "https://")
    error_message = "The issuer URL starts with https://."
  }
}

variable "run_athena_ddl" {
  type        = bool
  description = "Whether apply creates the Athena tables (runs sql/athena in the workgroup; needs the AWS CLI where Terraform runs)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (added to mlops:env and managed-by)."
  default     = {}
}

variable "alert_sns_topic_arn" {
  type        = string
  description = "SNS topic the Prometheus alerts of the jobs go to (modules/monitoring; its policy must let aps.amazonaws.com publish); null: alerts are evaluated, not sent."
  default     = null
}

variable "manage_service_accounts" {
  type        = bool
  description = "Create the jobs' Kubernetes service accounts (IRSA annotations) and the Spark driver RBAC in the cluster (needs the cluster's API: eks_cluster_name)."
  default     = true
}

variable "eks_cluster_name" {
  type        = string
  description = "Name of the EKS cluster the DAGs' pods run in (the kubernetes provider's endpoint and token); null with manage_service_accounts = false."
  default     = null
}
