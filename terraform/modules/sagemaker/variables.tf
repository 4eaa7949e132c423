variable "name_prefix" {
  type        = string
  description = "Prefix of IAM names (e.g. mlops-prod)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,40}$", var.name_prefix))
    error_message = "1 to 40 characters valid in an IAM role name."
  }
}

variable "models" {
  type        = list(string)
  description = "Model names (dags/models/<model>.yaml): one model package group each."

  validation {
    condition     = alltrue([for m in var.models : can(regex("^[a-z][a-z0-9_]{0,62}$", m))])
    error_message = "Model names are lower-case snake_case, as in the specs."
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

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key of the lake (and of endpoint volumes)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "alarm_name_prefix" {
  type        = string
  description = "Name prefix of the CloudWatch alarms endpoint deployments roll back on (the specs' promotion.endpoint.alarms): the execution role may describe those alarms only. Required, never empty."

  validation {
    condition     = length(var.alarm_name_prefix) > 0 && can(regex("^[^*?]+$", var.alarm_name_prefix))
    error_message = "A non-empty alarm name prefix without wildcards (an empty one would be every alarm: alarm:*)."
  }
}

variable "algorithm_repositories" {
  type        = list(string)
  description = "ECR repositories of SageMaker's built-in algorithm images the role may pull (training.sagemaker.image)."
  default     = ["sagemaker-xgboost"]
}

variable "endpoints" {
  type = map(object({
    model_name             = string
    instance_type          = optional(string, "ml.m5.large")
    initial_instance_count = optional(number, 1)
    create_endpoint        = optional(bool, true)
  }))
  description = "Real-time models: model name => the existing SageMaker model to serve first, the instances, and whether to create the endpoint (named like the model package group). Batch-only models are not listed."
  default     = {}

  validation {
    condition     = alltrue([for e in values(var.endpoints) : e.initial_instance_count >= 1 && startswith(e.instance_type, "ml.")])
    error_message = "At least one instance, of an ml.* type."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Permissions boundary of the execution role, if the account requires one."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

variable "execution_role_name" {
  type        = string
  description = "Name of the SageMaker execution role (envs pass modules/settings' sagemaker_execution_role_name, the name the pods' MLOPS_SAGEMAKER_ROLE_ARN ends with); null: <name_prefix>-sagemaker-execution."
  default     = null
}
