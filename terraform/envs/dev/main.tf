# The dev environment: every module, composed. Each environment lives in its own AWS account:
# SageMaker names (model package groups, job names) carry no environment prefix.

# Every name this environment creates comes from dags/environments/dev.yaml, the file the DAGs render the
# pods' environment from (modules/settings): write names there, not here.
module "settings" {
  source = "../../modules/settings"

  environment_file = "${path.module}/../../../dags/environments/dev.yaml"
}

locals {
  env  = module.settings.env
  name = module.settings.name_prefix

  # one per job image (images/<job>/Dockerfile; base and build are not jobs): each gets an ECR
  # repository and an IAM role for its service account. The deploy test checks this list against images/
  jobs = module.settings.jobs

  # the model specs (dags/models/*.yaml) and their feature groups; the deploy test checks them against the specs
  models = ["zone_demand", "trip_risk"]
  feature_groups = [
    { model = "zone_demand", group = "zone_activity", online = true },
    { model = "trip_risk", group = "trip", online = false },
    { model = "trip_risk", group = "driver_history", online = true },
  ]

  # the Athena DDL `mlops spec --athena` generates (make athena-ddl)
  ddl_dir = "${path.module}/../../../sql/athena"
}

module "kms" {
  source = "../../modules/kms"

  alias                   = module.settings.kms_alias
  deletion_window_in_days = 7
}

module "lake" {
  source = "../../modules/lake"

  lake_bucket_name    = module.settings.lake_bucket_name
  lake_prefix         = module.settings.lake_prefix
  results_bucket_name = module.settings.results_bucket_name
  audit_bucket_name   = module.settings.audit_bucket_name
  kms_key_arn         = module.kms.key_arn
  kms_alias_name      = module.kms.alias_name

  # dev keeps less
  lake_expiration_days = {
    "landing/"    = 14
    "raw/"        = 90
    "quarantine/" = 30
    "_staging/"   = 3
    "sagemaker/"  = 14
  }
  # dev's anchors: governance mode, 30 days (prod: the module's COMPLIANCE, 7 years)
  audit_retention_mode               = "GOVERNANCE"
  audit_retention_days               = 30
  noncurrent_version_expiration_days = 7
  results_expiration_days            = 7
  force_destroy                      = true
}

module "online_store" {
  source = "../../modules/online_store"

  feature_groups      = local.feature_groups
  table_prefix        = module.settings.table_prefix
  kms_key_arn         = module.kms.key_arn
  deletion_protection = false
}

module "sagemaker" {
  source = "../../modules/sagemaker"

  name_prefix         = local.name
  execution_role_name = module.settings.sagemaker_execution_role_name
  # the rollback alarms of real-time endpoints (promotion.endpoint.alarms) start with it
  alarm_name_prefix = module.settings.alarm_name_prefix
  models            = local.models
  lake_bucket_arn   = module.lake.lake_bucket_arn
  lake_key_prefix   = module.lake.lake_key_prefix
  kms_key_arn       = module.kms.key_arn
  # no real-time model yet; e.g. { zone_demand = { model_name = "<an existing SageMaker model>" } }
  endpoints = {}
}

module "athena" {
  source = "../../modules/athena"

  database_name                  = "mlops_${local.env}"
  workgroup_name                 = local.name
  lake_uri                       = module.lake.lake_uri
  results_uri                    = module.lake.athena_results_uri
  kms_key_arn                    = module.kms.key_arn
  ddl_files                      = [for f in sort(fileset(local.ddl_dir, "*.sql")) : "${local.ddl_dir}/${f}"]
  run_ddl                        = var.run_athena_ddl
  bytes_scanned_cutoff_per_query = 10737418240 # 10 GiB
}

module "ecr" {
  source = "../../modules/ecr"

  repositories          = local.jobs
  repository_prefix     = module.settings.repository_prefix
  kms_key_arn           = module.kms.key_arn
  tagged_images_to_keep = 10
}

module "job_roles" {
  source = "../../modules/job_roles"

  name_prefix                  = local.name
  jobs                         = local.jobs
  namespace                    = module.settings.namespace
  service_account_prefix       = module.settings.service_account_prefix
  oidc_provider_arn            = var.eks_oidc_provider_arn
  oidc_issuer_url              = var.eks_oidc_issuer_url
  lake_bucket_arn              = module.lake.lake_bucket_arn
  lake_key_prefix              = module.lake.lake_key_prefix
  kms_key_arn                  = module.kms.key_arn
  online_table_arns            = values(module.online_store.table_arns)
  models                       = local.models
  sagemaker_execution_role_arn = module.sagemaker.execution_role_arn
  alarm_name_prefix            = module.settings.alarm_name_prefix
  audit_bucket_arn             = module.lake.audit_bucket_arn
  audit_key_prefix             = module.lake.lake_key_prefix
}

# the jobs' service accounts with their roles (IRSA) and the RBAC of Spark-on-Kubernetes drivers, in the
# namespace the DAGs' pods run in; off (manage_service_accounts = false) where the cluster team owns them
module "service_accounts" {
  source = "../../modules/k8s_service_accounts"
  count  = var.manage_service_accounts ? 1 : 0

  namespace = module.settings.namespace
  service_accounts = {
    for j, sa in module.job_roles.service_accounts : j => { name = sa.name, role_arn = sa.annotations["eks.amazonaws.com/role-arn"] }
  }
  spark_driver_jobs = module.settings.spark_kubernetes_jobs
}

module "monitoring" {
  source = "../../modules/monitoring"

  workspace_alias     = local.name
  kms_key_arn         = module.kms.key_arn
  alert_sns_topic_arn = var.alert_sns_topic_arn
}
