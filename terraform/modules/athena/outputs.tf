output "database_name" {
  description = "Name of the Glue database."
  value       = aws_glue_catalog_database.this.name
}

output "workgroup_name" {
  description = "Name of the Athena workgroup."
  value       = aws_athena_workgroup.this.name
}

output "table_names" {
  description = "The tables the DDL files define."
  value       = sort(keys(local.tables))
}

output "named_query_ids" {
  description = "Table => ID of its saved DDL query."
  value       = { for t, q in aws_athena_named_query.ddl : t => q.id }
}
