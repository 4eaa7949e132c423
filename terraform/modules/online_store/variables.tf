variable "feature_groups" {
  type = list(object({
    model  = string
    group  = string
    online = optional(bool, true)
  }))
  description = "Feature groups of every model spec (dags/models/<model>.yaml, features.<group>); online = false (the spec's online: false) gets no table."

  validation {
    condition = alltrue([
      for g in var.feature_groups : can(regex("^[a-z][a-z0-9_]*$", g.model)) && can(regex("^[a-z][a-z0-9_]*$", g.group))
    ])
    error_message = "Model and group names are lower-case snake_case, as in the specs."
  }

  validation {
    condition     = length(distinct([for g in var.feature_groups : "${g.model}-${g.group}"])) == length(var.feature_groups)
    error_message = "Each (model, group) is listed once."
  }
}

variable "table_prefix" {
  type        = string
  description = "Prefix of the table names (dynamodb.table_prefix, MLOPS_DYNAMODB_TABLE_PREFIX): tables are <prefix><model>-<group>."
  default     = "mlops-"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]*$", var.table_prefix))
    error_message = "A DynamoDB table name holds letters, digits, _, . and - only."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the tables are encrypted with."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Whether the tables refuse DeleteTable (turn off only to drop an environment)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags for every table."
  default     = {}
}
