variable "database_name" {
  type        = string
  description = "Name of the Glue database of the lake tables ($${database} in sql/athena)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,254}$", var.database_name))
    error_message = "Lower-case letters, digits and _ (Athena lower-cases names), starting with a letter."
  }
}

variable "workgroup_name" {
  type        = string
  description = "Name of the Athena workgroup."

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,128}$", var.workgroup_name))
    error_message = "1 to 128 letters, digits, ., _ and -."
  }
}

variable "lake_uri" {
  type        = string
  description = "The lake root, s3://<bucket>[/<prefix>] ($${lake} in sql/athena; the lake module's lake_uri)."

  validation {
    condition     = startswith(var.lake_uri, "s3://")
    error_message = "The lake URI starts with s3://."
  }
}

variable "results_uri" {
  type        = string
  description = "Where query results go, s3://<results bucket>/<prefix>/ (the lake module's athena_results_uri)."

  validation {
    condition     = startswith(var.results_uri, "s3://") && endswith(var.results_uri, "/")
    error_message = "An s3:// URI ending with /."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key query results are encrypted with (SSE_KMS)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "ddl_files" {
  type        = list(string)
  description = "Paths of the generated DDL files (sql/athena/*.sql): CREATE EXTERNAL TABLE statements with $${database} and $${lake} placeholders."

  validation {
    condition     = alltrue([for f in var.ddl_files : endswith(f, ".sql")])
    error_message = "DDL files end with .sql."
  }
}

variable "run_ddl" {
  type        = bool
  description = "Whether apply runs each new or changed table's DDL in Athena (needs the AWS CLI where Terraform runs). Off: the statements are only saved as named queries."
  default     = false
}

variable "bytes_scanned_cutoff_per_query" {
  type        = number
  description = "Bytes one query may scan before Athena cancels it (at least 10 MB)."
  default     = 107374182400 # 100 GiB

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "Athena's minimum is 10 MB (10485760 bytes)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the database and the workgroup."
  default     = {}
}
