output "repository_urls" {
  description = "Job => repository URL (push mlops-<job>:<tag> there)."
  value       = { for j, r in aws_ecr_repository.this : j => r.repository_url }
}

output "repository_arns" {
  description = "Job => repository ARN."
  value       = { for j, r in aws_ecr_repository.this : j => r.arn }
}
