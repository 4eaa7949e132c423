variable "repositories" {
  type        = list(string)
  description = "Job names with an image (images/<job>/, not base or build): one repository each."

  validation {
    condition     = alltrue([for r in var.repositories : can(regex("^[a-z][a-z0-9_-]*$", r))])
    error_message = "Job names are lower-case letters, digits, _ and -."
  }

  validation {
    condition     = length(distinct(var.repositories)) == length(var.repositories)
    error_message = "Each job is listed once."
  }
}

variable "repository_prefix" {
  type        = string
  description = "Prefix of the repository names: <prefix><job> (mlops- matches the image names of make images)."
  default     = "mlops-"

  validation {
    condition     = can(regex("^[a-z0-9._/-]*$", var.repository_prefix))
    error_message = "Lower-case letters, digits, ., _, / and - only."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the KMS key the repositories are encrypted with."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The key must be a KMS key ARN."
  }
}

variable "untagged_image_expiry_days" {
  type        = number
  description = "Days after which an untagged image is deleted."
  default     = 7

  validation {
    condition     = var.untagged_image_expiry_days >= 1
    error_message = "At least 1 day."
  }
}

variable "tagged_images_to_keep" {
  type        = number
  description = "How many tagged images each repository keeps (older ones are deleted); covers the versions a rollback may need."
  default     = 30

  validation {
    condition     = var.tagged_images_to_keep >= 1
    error_message = "Keep at least one image."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every repository."
  default     = {}
}
