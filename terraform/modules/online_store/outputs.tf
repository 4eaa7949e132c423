output "table_names" {
  description = "Table name per \"<model>-<group>\"."
  value       = { for k, t in aws_dynamodb_table.this : k => t.name }
}

output "table_arns" {
  description = "Table ARN per \"<model>-<group>\"."
  value       = { for k, t in aws_dynamodb_table.this : k => t.arn }
}

output "table_prefix" {
  description = "The table prefix, for dynamodb.table_prefix (MLOPS_DYNAMODB_TABLE_PREFIX)."
  value       = var.table_prefix
}
