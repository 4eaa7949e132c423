variable "workspace_alias" {
  type        = string
  description = "Alias of the Amazon Managed Prometheus workspace (e.g. mlops-dev)."

  validation {
    condition     = length(var.workspace_alias) >= 1 && length(var.workspace_alias) <= 100
    error_message = "1 to 100 characters."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the workspace's data is encrypted with (the environment's key)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "rules_file" {
  type        = string
  description = "Path of the Prometheus rules file loaded into the workspace; null: the module's rules/mlops.rules.yml (checked by promtool and MonitoringRulesTest)."
  default     = null
}

variable "rule_namespace_name" {
  type        = string
  description = "Name of the workspace's rule group namespace holding the rules file."
  default     = "mlops"

  validation {
    condition     = can(regex("^[0-9A-Za-z][-.0-9A-Z_a-z]{0,63}$", var.rule_namespace_name))
    error_message = "1 to 64 letters, digits, ., _ and -, starting with a letter or digit."
  }
}

variable "alert_sns_topic_arn" {
  type        = string
  description = "SNS topic the workspace's alert manager sends firing and resolved alerts to (its policy must allow aps.amazonaws.com to publish); null: no alert manager definition, alerts are evaluated but not sent."
  default     = null

  validation {
    condition     = var.alert_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alert_sns_topic_arn))
    error_message = "An SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) or null."
  }
}

variable "alert_repeat_interval" {
  type        = string
  description = "How often the alert manager repeats a notification for an alert that is still firing (Prometheus duration)."
  default     = "12h"

  validation {
    condition     = can(regex("^([0-9]+(ms|s|m|h|d|w|y))+$", var.alert_repeat_interval))
    error_message = "A Prometheus duration such as 4h or 1d."
  }
}

variable "log_group_arn" {
  type        = string
  description = "CloudWatch log group for the workspace's rule evaluation and alert manager logs; null: no logging."
  default     = null

  validation {
    condition     = var.log_group_arn == null || can(regex("^arn:aws[a-z-]*:logs:", var.log_group_arn))
    error_message = "A CloudWatch Logs log group ARN or null."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the workspace."
  default     = {}
}
