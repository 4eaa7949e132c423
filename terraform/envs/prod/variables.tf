variable "account_id" {
  type        = string
  description = "AWS account of this environment; the provider refuses any other."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "An account ID is 12 digits."
  }
}

variable "region" {
  type        = string
  description = "AWS region of this environment (aws.region, MLOPS_AWS_REGION)."
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "An AWS region name such as eu-west-1."
  }
}

variable "bucket_name_prefix" {
  type        = string
  description = "Prefix of the globally unique bucket names: <prefix>-lake and <prefix>-athena-results (e.g. acme-mlops-prod)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,45}$", var.bucket_name_prefix))
    error_message = "Lower-case letters, digits, dots and hyphens, at most 46 characters."
  }
}

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

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the jobs' service accounts."
  default     = "mlops"
}

variable "metadata_db_endpoint" {
  type        = string
  description = "host:port of the metadata PostgreSQL (RDS or other; not managed here)."

  validation {
    condition     = can(regex("^[A-Za-z0-9.-]+:[0-9]+$", var.metadata_db_endpoint))
    error_message = "host:port, e.g. mlops.abc123.eu-west-1.rds.amazonaws.com:5432."
  }
}

variable "metadata_db_name" {
  type        = string
  description = "Database of the metadata PostgreSQL the jobs use."
  default     = "mlops"
}

variable "metadata_db_secret_arn" {
  type        = string
  description = "ARN of the Secrets Manager secret with the metadata PostgreSQL user and password."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.metadata_db_secret_arn))
    error_message = "A Secrets Manager secret ARN."
  }
}

variable "ops_db_secret_arn" {
  type        = string
  description = "ARN of the secret with the operational database credentials (ingest's JDBC datasets); null if none."
  default     = null
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
