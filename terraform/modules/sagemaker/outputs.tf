output "execution_role_arn" {
  description = "ARN of the SageMaker execution role (sagemaker.role_arn, MLOPS_SAGEMAKER_ROLE_ARN)."
  value       = aws_iam_role.execution.arn
}

output "execution_role_name" {
  description = "Name of the SageMaker execution role."
  value       = aws_iam_role.execution.name
}

output "sagemaker_names" {
  description = "Model => its SageMaker name (model package group, job name prefix, endpoint)."
  value       = local.sagemaker_names
}

output "model_package_group_arns" {
  description = "Model => ARN of its model package group."
  value       = { for m, g in aws_sagemaker_model_package_group.this : m => g.arn }
}

output "endpoint_names" {
  description = "Model => endpoint name, for the real-time models whose endpoint this module created."
  value       = { for m, e in aws_sagemaker_endpoint.this : m => e.name }
}
