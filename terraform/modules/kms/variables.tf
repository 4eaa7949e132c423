variable "alias" {
  type        = string
  description = "Alias of the key, without the alias/ prefix (e.g. mlops-prod)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]+$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "The alias may hold letters, digits, /, _ and - only, and must not start with aws/."
  }
}

variable "description" {
  type        = string
  description = "Description of the key."
  default     = "mlops: lake, Athena results, online store, ECR and SageMaker"
}

variable "deletion_window_in_days" {
  type        = number
  description = "Days between scheduling the key's deletion and its deletion (7 to 30)."
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "The deletion window is 7 to 30 days."
  }
}

variable "administrator_arns" {
  type        = list(string)
  description = "IAM principals that administer the key (no data use). Empty: the account root, i.e. IAM policies decide."
  default     = []

  validation {
    condition     = alltrue([for a in var.administrator_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a))])
    error_message = "Each administrator must be an IAM ARN."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the key."
  default     = {}
}
