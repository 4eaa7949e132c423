variable "environment_file" {
  type        = string
  description = "Path of the deployment's environment file, dags/environments/<env>.yaml: the one place its names are written."

  validation {
    condition     = can(yamldecode(file(var.environment_file)).aws)
    error_message = "The environment file must exist, be YAML and have an aws: section (dags/environments/dev.yaml shows one)."
  }
}
