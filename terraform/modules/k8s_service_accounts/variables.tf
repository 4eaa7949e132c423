variable "namespace" {
  type        = string
  description = "Namespace of the jobs' pods (dags/environments/<env>.yaml namespace:); created when create_namespace."
}

variable "create_namespace" {
  type        = bool
  description = "Create the namespace (false: it exists, managed elsewhere)."
  default     = false
}

variable "service_accounts" {
  type = map(object({
    name     = string
    role_arn = string
  }))
  description = "Job => its service account name and the IAM role it assumes through IRSA (job_roles' service_accounts output)."
}

variable "spark_driver_jobs" {
  type        = list(string)
  description = "Jobs whose pods may run Spark on Kubernetes in client mode: their service account may create, watch and delete executor pods (and their config maps and volume claims) in the namespace."
  default     = []

  validation {
    condition     = length(var.spark_driver_jobs) == length(distinct(var.spark_driver_jobs))
    error_message = "Each job once."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels of every object created."
  default     = {}
}
