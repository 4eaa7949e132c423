variable "lake_bucket_name" {
  type        = string
  description = "Name of the lake bucket (globally unique)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_name))
    error_message = "A bucket name is 3 to 63 lower-case letters, digits, dots and hyphens."
  }
}

variable "lake_prefix" {
  type        = string
  description = "Key prefix of the lake root inside the lake bucket (\"\" for the bucket root): lake.uri is s3://<lake bucket>/<lake_prefix>."
  default     = ""

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_.-]*$", var.lake_prefix)) && !can(regex("//", var.lake_prefix))
    error_message = "The lake prefix may hold letters, digits, /, _, . and - only, with no empty segment."
  }
}

variable "results_bucket_name" {
  type        = string
  description = "Name of the Athena query-results bucket (globally unique)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_name))
    error_message = "A bucket name is 3 to 63 lower-case letters, digits, dots and hyphens."
  }
}

variable "audit_bucket_name" {
  type        = string
  description = "Name of the audit bucket (globally unique): the audit ledger's anchor, under S3 Object Lock."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.audit_bucket_name))
    error_message = "A bucket name is 3 to 63 lower-case letters, digits, dots and hyphens."
  }
}

variable "audit_retention_days" {
  type        = number
  description = "Days every object of the audit bucket is locked (Object Lock default retention) from its upload."
  default     = 2557 # 7 years

  validation {
    condition     = var.audit_retention_days >= 1 && floor(var.audit_retention_days) == var.audit_retention_days
    error_message = "A whole number of days, at least 1."
  }
}

variable "audit_retention_mode" {
  type        = string
  description = "Object Lock mode of the audit bucket's default retention: COMPLIANCE (nobody can shorten it or delete a locked version) or GOVERNANCE (principals with s3:BypassGovernanceRetention could; the bucket policy denies that action)."
  default     = "COMPLIANCE"

  validation {
    condition     = contains(["COMPLIANCE", "GOVERNANCE"], var.audit_retention_mode)
    error_message = "COMPLIANCE or GOVERNANCE."
  }
}

variable "kms_alias_name" {
  type        = string
  description = "Alias of the KMS key (alias/<name>; the kms module's alias_name), if writers may name the key by its alias or alias ARN (sagemaker.kms_key_id): the bucket policies accept those as well as the key ARN and id."
  default     = null

  validation {
    condition     = var.kms_alias_name == null || can(regex("^alias/[a-zA-Z0-9/_-]+$", var.kms_alias_name))
    error_message = "alias/<name>, or null."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the three buckets encrypt with (SSE-KMS); uploads naming another key are refused."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "lake_expiration_days" {
  type        = map(number)
  description = "Lake prefixes (relative to the lake root, ending with /) whose objects expire, and after how many days. Prefixes not listed are kept."
  default = {
    "landing/"    = 30  # upstream files; raw/ keeps the typed rows and each file's sha256 in its manifest
    "raw/"        = 400 # re-validation of the last year stays possible
    "quarantine/" = 90  # rejected rows, for investigation
    "_staging/"   = 7   # a failed run's staged output; a run whose staging is gone starts afresh
    "sagemaker/"  = 30  # SageMaker scratch: CSV exports, job outputs, checkpoints
  }

  validation {
    condition     = alltrue([for p, d in var.lake_expiration_days : endswith(p, "/") && !startswith(p, "/") && d >= 1])
    error_message = "Each prefix ends with / (and does not start with one); each number of days is at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days after which a replaced or deleted object version of the lake is removed."
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "At least 1 day."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  type        = number
  description = "Days after which an unfinished multipart upload is aborted (every bucket)."
  default     = 2

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "At least 1 day."
  }
}

variable "results_expiration_days" {
  type        = number
  description = "Days Athena query results are kept."
  default     = 30

  validation {
    condition     = var.results_expiration_days >= 1
    error_message = "At least 1 day."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Whether destroying the module also deletes every object (never in prod)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for the buckets."
  default     = {}
}
