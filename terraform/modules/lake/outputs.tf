output "lake_bucket_name" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.this["lake"].bucket
}

output "lake_bucket_arn" {
  description = "ARN of the lake bucket."
  value       = aws_s3_bucket.this["lake"].arn
}

output "lake_key_prefix" {
  description = "The lake root as a key prefix: \"\" or \"<prefix>/\"."
  value       = local.key_prefix
}

output "lake_uri" {
  description = "The lake root for lake.uri (MLOPS_LAKE_URI): s3://<bucket>[/<prefix>]."
  value       = local.root_prefix == "" ? "s3://${aws_s3_bucket.this["lake"].bucket}" : "s3://${aws_s3_bucket.this["lake"].bucket}/${local.root_prefix}"
}

output "results_bucket_name" {
  description = "Name of the Athena query-results bucket."
  value       = aws_s3_bucket.this["results"].bucket
}

output "results_bucket_arn" {
  description = "ARN of the Athena query-results bucket."
  value       = aws_s3_bucket.this["results"].arn
}

output "athena_results_uri" {
  description = "Where the Athena workgroup writes query results."
  value       = "s3://${aws_s3_bucket.this["results"].bucket}/athena/"
}

output "audit_bucket_name" {
  description = "Name of the audit bucket (Object Lock)."
  value       = aws_s3_bucket.this["audit"].bucket
}

output "audit_bucket_arn" {
  description = "ARN of the audit bucket."
  value       = aws_s3_bucket.this["audit"].arn
}

output "audit_anchor_uri" {
  description = "Where mlops audit anchor writes the ledger's daily heads (audit.anchor_uri, MLOPS_AUDIT_ANCHOR_URI): s3://<audit bucket>/<lake_prefix>/."
  value       = local.root_prefix == "" ? "s3://${aws_s3_bucket.this["audit"].bucket}/" : "s3://${aws_s3_bucket.this["audit"].bucket}/${local.root_prefix}/"
}
