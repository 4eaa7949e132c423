output "service_account_names" {
  description = "Job => the name of its service account in the namespace."
  value       = { for j, sa in kubernetes_service_account_v1.job : j => sa.metadata[0].name }
}

output "spark_driver_role" {
  description = "The Role bound to the Spark-driving jobs' service accounts (null when none)."
  value       = length(kubernetes_role_v1.spark_driver) > 0 ? kubernetes_role_v1.spark_driver[0].metadata[0].name : null
}
