output "documents" {
  description = "Job => its IAM policy document (JSON), as job_roles attaches it."
  value       = { for j, s in local.statements : j => "{\"Version\":\"2012-10-17\",\"Statement\":[${join(",", s)}]}" }
}

output "catalog" {
  description = "What each job may touch (jobs.tf), for review."
  value       = local.jobs
}
