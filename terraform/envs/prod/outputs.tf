output "lake_uri" {
  description = "lake.uri of the jobs."
  value       = module.lake.lake_uri
}

output "job_environment" {
  description = "What the pods' environment is derived from (dags/environments/<env>.yaml through modules/settings; the DAGs render the same values): checked against the resources created."
  value = {
    MLOPS_LAKE_URI              = module.lake.lake_uri
    MLOPS_AWS_REGION            = module.settings.region
    MLOPS_DYNAMODB_TABLE_PREFIX = module.online_store.table_prefix
    MLOPS_SAGEMAKER_ROLE_ARN    = module.sagemaker.execution_role_arn
    MLOPS_SAGEMAKER_KMS_KEY_ID  = module.settings.kms_alias_arn
    MLOPS_AUDIT_ANCHOR_URI      = trimsuffix(module.lake.audit_anchor_uri, "/")
  }

  precondition {
    condition = alltrue([
      module.lake.lake_uri == module.settings.lake_uri,
      trimsuffix(module.lake.audit_anchor_uri, "/") == module.settings.audit_anchor_uri,
      module.sagemaker.execution_role_arn == module.settings.sagemaker_execution_role_arn,
      module.kms.alias_name == "alias/${module.settings.kms_alias}",
    ])
    error_message = "The lake, the audit anchor, the SageMaker execution role or the key alias Terraform creates is not what dags/environments/${local.env}.yaml gives the pods."
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
