variable "jobs" {
  type        = list(string)
  description = "The jobs to write a policy for; each needs an entry in jobs.tf."
}

variable "account_id" {
  type        = string
  description = "AWS account of the resources (12 digits)."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "An account ID is 12 digits."
  }
}

variable "partition" {
  type        = string
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  default     = "aws"
}

variable "region" {
  type        = string
  description = "AWS region of the SageMaker, DynamoDB and CloudWatch resources."
}

variable "lake_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket."
}

variable "lake_key_prefix" {
  type        = string
  description = "The lake root as a key prefix: \"\" or \"<prefix>/\"."
  default     = ""

  validation {
    condition     = var.lake_key_prefix == "" || (endswith(var.lake_key_prefix, "/") && !startswith(var.lake_key_prefix, "/"))
    error_message = "Empty, or a key prefix ending in / (e.g. prod/)."
  }
}

variable "restrict_listing_to_prefixes" {
  type        = bool
  description = "Limit s3:ListBucket to the job's own prefixes (s3:prefix condition)."
  default     = true
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the environment's KMS key (lake, online store, audit anchor)."
}

variable "online_table_arns" {
  type        = list(string)
  description = "ARNs of the online-store tables (features reads and writes them)."
  default     = []
}

variable "models" {
  type        = list(string)
  description = "Model names (dags/models/*.yaml): the SageMaker resources the jobs may touch are named after them."
  default     = []
}

variable "sagemaker_execution_role_arn" {
  type        = string
  description = "The SageMaker execution role train, transform and promote pass to SageMaker."
}

variable "alarm_name_prefix" {
  type        = string
  description = "CloudWatch alarms promote may read start with this; must not be empty when a job reads alarms."
  default     = ""
}

variable "audit_bucket_arn" {
  type        = string
  description = "ARN of the audit anchor bucket (Object Lock); null: no anchor grants."
  default     = null
}

variable "audit_key_prefix" {
  type        = string
  description = "Key prefix of this environment's anchors in that bucket: \"\" or \"<prefix>/\"."
  default     = ""
}
