output "lake_uri" {
  description = "lake.uri of the jobs."
  value       = module.lake.lake_uri
}

output "job_environment" {
  description = "Environment of every job pod (a ConfigMap); metadata.user and metadata.password come from the metadata secret."
  value = {
    MLOPS_ENV                   = "aws"
    MLOPS_LAKE_URI              = module.lake.lake_uri
    MLOPS_LANDING_URI           = "${module.lake.lake_uri}/landing"
    MLOPS_METADATA_JDBC_URL     = "jdbc:postgresql://${var.metadata_db_endpoint}/${var.metadata_db_name}"
    MLOPS_AWS_REGION            = var.region
    MLOPS_DYNAMODB_TABLE_PREFIX = module.online_store.table_prefix
    MLOPS_SAGEMAKER_ROLE_ARN    = module.sagemaker.execution_role_arn
    MLOPS_SAGEMAKER_KMS_KEY_ID  = module.kms.key_arn
    MLOPS_AUDIT_ANCHOR_URI      = module.lake.audit_anchor_uri
  }
}

output "service_accounts" {
  description = "Job => Kubernetes service account (namespace, name, IRSA annotation) for the DAGs' pods."
  value       = module.job_roles.service_accounts
}

output "ecr_repository_urls" {
  description = "Job => ECR repository URL of its image."
  value       = module.ecr.repository_urls
}

output "online_tables" {
  description = "\"<model>-<group>\" => online-store table name."
  value       = module.online_store.table_names
}

output "model_package_groups" {
  description = "Model => ARN of its SageMaker model package group."
  value       = module.sagemaker.model_package_group_arns
}

output "athena" {
  description = "Glue database and Athena workgroup for analysts."
  value = {
    database  = module.athena.database_name
    workgroup = module.athena.workgroup_name
    tables    = module.athena.table_names
  }
}

output "monitoring" {
  description = "Amazon Managed Prometheus workspace of the jobs' metrics: where the Pushgateway's scraper remote-writes, Grafana's data source URL, the dashboard to import."
  value = {
    workspace_id        = module.monitoring.workspace_id
    prometheus_endpoint = module.monitoring.prometheus_endpoint
    remote_write_url    = module.monitoring.remote_write_url
    dashboard_file      = module.monitoring.dashboard_file
  }
}
