variable "name_prefix" {
  type        = string
  description = "Prefix of the role and policy names: <prefix>-<job> (e.g. mlops-prod)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,40}$", var.name_prefix))
    error_message = "1 to 40 characters valid in an IAM role name."
  }
}

variable "jobs" {
  type        = list(string)
  description = "The jobs to create roles for: one per job image (images/<job>/), each with an entry in jobs.tf."

  validation {
    condition     = length(distinct(var.jobs)) == length(var.jobs) && length(var.jobs) > 0
    error_message = "At least one job, each listed once."
  }
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the jobs' service accounts (where the DAGs' pods run)."
  default     = "mlops"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace))
    error_message = "A Kubernetes namespace name (RFC 1123 label)."
  }
}

variable "service_account_prefix" {
  type        = string
  description = "Service account of a job: <prefix><job> (the name the DAGs give the pod's serviceAccountName)."
  default     = "mlops-"

  validation {
    condition     = can(regex("^[a-z0-9.-]*$", var.service_account_prefix))
    error_message = "Lower-case letters, digits, . and - only."
  }
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the EKS cluster's IAM OIDC provider (IRSA)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/", var.oidc_provider_arn))
    error_message = "An IAM OIDC provider ARN."
  }
}

variable "oidc_issuer_url" {
  type        = string
  description = "OIDC issuer URL of the EKS cluster (https://oidc.eks.<region>.amazonaws.com/id/<id>)."

  validation {
    condition     = startswith(var.oidc_issuer_url, "https://")
    error_message = "The issuer URL starts with https://."
  }
}

variable "lake_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.lake_bucket_arn))
    error_message = "The lake bucket must be an S3 bucket ARN."
  }
}

variable "lake_key_prefix" {
  type        = string
  description = "The lake root as a key prefix (\"\" or \"<prefix>/\"; the lake module's lake_key_prefix)."
  default     = ""

  validation {
    condition     = var.lake_key_prefix == "" || (endswith(var.lake_key_prefix, "/") && !startswith(var.lake_key_prefix, "/"))
    error_message = "Empty, or a prefix ending with / (and not starting with one)."
  }
}

variable "restrict_listing_to_prefixes" {
  type        = bool
  description = "Whether s3:ListBucket is limited (s3:prefix) to the job's own prefixes. Turn off only if S3A gets 403 instead of 404 on paths that do not exist yet (see README)."
  default     = true
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key of the lake and the online store."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "online_table_arns" {
  type        = list(string)
  description = "ARNs of the online-store tables (online_store module's table_arns)."
  default     = []
}

variable "models" {
  type        = list(string)
  description = "Model names: the SageMaker resources of the train, transform and promote jobs are limited to theirs."
  default     = []

  validation {
    condition     = alltrue([for m in var.models : can(regex("^[a-z][a-z0-9_]*$", m))])
    error_message = "Model names are lower-case snake_case, as in the specs."
  }
}

variable "sagemaker_execution_role_arn" {
  type        = string
  description = "ARN of the SageMaker execution role the train and transform jobs pass to SageMaker."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.sagemaker_execution_role_arn))
    error_message = "An IAM role ARN."
  }
}

variable "alarm_name_prefix" {
  type        = string
  description = "CloudWatch alarms the promote job may read: those whose names start with this (required: never all alarms)."

  validation {
    condition     = trimspace(var.alarm_name_prefix) != ""
    error_message = "An alarm name prefix such as mlops-prod-: an empty one would let promote read every alarm (alarm:*)."
  }
}

variable "audit_bucket_arn" {
  type        = string
  description = "ARN of the audit anchor bucket (Object Lock): promote writes the ledger's anchors there; null: none."
  default     = null
}

variable "audit_key_prefix" {
  type        = string
  description = "Key prefix of this environment's anchors in the audit bucket: \"\" or \"<prefix>/\"."
  default     = ""
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Permissions boundary of the job roles, if the account requires one."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for the roles and policies."
  default     = {}
}
