# The policies of every job for a lake under prod/ in one bucket, rendered without AWS:
#   terraform init && terraform console <<< 'jsondecode(module.policies.documents["features"])'
module "policies" {
  source = "../.."

  jobs                         = ["ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote"]
  account_id                   = "111122223333"
  region                       = "eu-west-1"
  lake_bucket_arn              = "arn:aws:s3:::acme-mlops-prod-lake"
  lake_key_prefix              = "prod/"
  kms_key_arn                  = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
  online_table_arns            = ["arn:aws:dynamodb:eu-west-1:111122223333:table/mlops-zone_demand-zone_activity"]
  models                       = ["zone_demand", "trip_risk"]
  sagemaker_execution_role_arn = "arn:aws:iam::111122223333:role/mlops-prod-sagemaker-execution"
  alarm_name_prefix            = "mlops-prod-"
  audit_bucket_arn             = "arn:aws:s3:::acme-mlops-prod-audit"
  audit_key_prefix             = "prod/"
}

output "features_policy" {
  description = "The features job's policy."
  value       = module.policies.documents["features"]
}
