output "env" {
  description = "The environment's name (env:)."
  value       = local.env
}

output "account_id" {
  description = "AWS account of the environment (aws.account_id)."
  value       = local.account_id
}

output "region" {
  description = "AWS region (aws.region; pods get it as MLOPS_AWS_REGION)."
  value       = local.region
}

output "partition" {
  description = "AWS partition (aws.partition, default aws)."
  value       = local.partition
}

output "name_prefix" {
  description = "Prefix of IAM roles (<name_prefix>-<job>), the SageMaker execution role, the KMS alias and the Athena workgroup."
  value       = local.name_prefix
}

output "lake_bucket_name" {
  description = "The lake bucket (aws.lake_bucket)."
  value       = local.lake_bucket
}

output "lake_prefix" {
  description = "The lake root under the bucket (aws.lake_prefix), without slashes."
  value       = local.lake_prefix
}

output "lake_uri" {
  description = "MLOPS_LAKE_URI of every pod: s3://<lake_bucket>[/<lake_prefix>]."
  value       = local.lake_uri
}

output "landing_uri" {
  description = "MLOPS_LANDING_URI of every pod: the lake root's landing/ prefix."
  value       = "${local.lake_uri}/landing"
}

output "results_bucket_name" {
  description = "The Athena query-results bucket (aws.results_bucket)."
  value       = local.aws.results_bucket
}

output "audit_bucket_name" {
  description = "The audit anchor bucket with Object Lock (aws.audit_bucket)."
  value       = local.audit_bucket
}

output "audit_anchor_uri" {
  description = "MLOPS_AUDIT_ANCHOR_URI of the audit anchor task: s3://<audit_bucket>[/<lake_prefix>]."
  value       = local.audit_uri
}

output "table_prefix" {
  description = "Prefix of the online-store tables (aws.table_prefix; MLOPS_DYNAMODB_TABLE_PREFIX)."
  value       = try(local.aws.table_prefix, "mlops-")
}

output "alarm_name_prefix" {
  description = "CloudWatch alarms promote and SageMaker's auto-rollback may read start with this (aws.alarm_name_prefix)."
  value       = local.aws.alarm_name_prefix
}

output "sagemaker_execution_role_name" {
  description = "Name of the SageMaker execution role the sagemaker module creates."
  value       = local.execution_role
}

output "sagemaker_execution_role_arn" {
  description = "Its ARN (MLOPS_SAGEMAKER_ROLE_ARN)."
  value       = "arn:${local.partition}:iam::${local.account_id}:role/${local.execution_role}"
}

output "kms_alias" {
  description = "The environment key's alias (the kms module's alias argument, without alias/)."
  value       = local.name_prefix
}

output "kms_alias_arn" {
  description = "ARN of that alias (MLOPS_SAGEMAKER_KMS_KEY_ID: SageMaker accepts an alias ARN as KmsKeyId)."
  value       = "arn:${local.partition}:kms:${local.region}:${local.account_id}:${local.kms_alias}"
}

output "namespace" {
  description = "Kubernetes namespace of the jobs' service accounts (namespace:)."
  value       = try(local.file.namespace, "mlops")
}

output "service_account_prefix" {
  description = "Service accounts are <prefix><job> (service_account_prefix:)."
  value       = local.service_account_prefix
}

output "jobs" {
  description = "The jobs the DAGs run (the keys of jobs:): each gets an image repository, a role and a service account."
  value       = local.jobs
}

output "metadata_jdbc_url" {
  description = "MLOPS_METADATA_JDBC_URL of every pod (aws.metadata_db.endpoint and name)."
  value       = "jdbc:postgresql://${local.aws.metadata_db.endpoint}/${try(local.aws.metadata_db.name, "mlops")}"
}

output "image_registry" {
  description = "Registry of the job images: image.registry, else the account's ECR registry in the region."
  value       = try(local.file.image.registry, null) != null ? local.file.image.registry : "${local.account_id}.dkr.ecr.${local.region}.amazonaws.com"
}

output "repository_prefix" {
  description = "ECR repositories are <prefix><job> (image.repository_prefix)."
  value       = try(local.file.image.repository_prefix, "mlops-")
}

output "spark_kubernetes_jobs" {
  description = "Jobs whose Spark runs on Kubernetes in client mode (a k8s:// spark.master under jobs.<job>.spark, models.<model>.spark or models.<model>.jobs.<job>.spark): their service accounts may manage executor pods."
  value = sort(distinct(concat(
    [for j, c in local.file.jobs : j if startswith(try(c.spark.master, ""), "k8s://")],
    flatten([for m, mc in try(local.file.models, {}) : startswith(try(mc.spark.master, ""), "k8s://") ? keys(local.file.jobs) : [
      for j, jc in try(mc.jobs, {}) : j if startswith(try(jc.spark.master, ""), "k8s://")
    ]])
  )))
}
