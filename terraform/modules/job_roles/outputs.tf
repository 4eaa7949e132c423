output "role_arns" {
  description = "Job => ARN of its role."
  value       = { for j, r in aws_iam_role.job : j => r.arn }
}

output "role_names" {
  description = "Job => name of its role."
  value       = { for j, r in aws_iam_role.job : j => r.name }
}

output "service_accounts" {
  description = "Job => its Kubernetes service account and the annotation that binds it to the role."
  value = {
    for j, r in aws_iam_role.job : j => {
      namespace   = var.namespace
      name        = local.service_accounts[j]
      annotations = { "eks.amazonaws.com/role-arn" = r.arn }
    }
  }
}

output "catalog" {
  description = "What each job may touch (jobs.tf), for review."
  value       = module.policies.catalog
}
