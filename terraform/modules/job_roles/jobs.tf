# The jobs and what each may touch: the one place that says it. One entry per job image
# (images/<job>/Dockerfile); the deploy test (jobs/deploy) fails when an image has no entry here.
#
#   reads / writes   lake prefixes under the lake root (docs/architecture.md, "Lake layout"); every
#                    job that writes also stages under _staging/<job>/ and publishes by rename
#   online_store     BatchGetItem / BatchWriteItem / DescribeTable on the online-store tables
#   sagemaker        none | train | transform | promote: the SageMaker actions of that step
#   ops_db           reads the operational database (JDBC datasets), so its secret too
#   describe_alarms  reads CloudWatch alarms (promote's gate)
locals {
  catalog = {
    ingest = {
      reads           = ["landing"]
      writes          = ["raw", "quarantine"]
      online_store    = false
      sagemaker       = "none"
      ops_db          = true
      describe_alarms = false
    }
    validate = {
      reads           = ["raw"]
      writes          = ["validated", "dq_results", "dq_metrics", "quarantine"]
      online_store    = false
      sagemaker       = "none"
      ops_db          = false
      describe_alarms = false
    }
    features = {
      reads           = ["validated"]
      writes          = ["features"]
      online_store    = true
      sagemaker       = "none"
      ops_db          = false
      describe_alarms = false
    }
    train = {
      reads           = ["features", "validated"]
      writes          = ["models", "sagemaker"]
      online_store    = false
      sagemaker       = "train"
      ops_db          = false
      describe_alarms = false
    }
    transform = {
      reads           = ["features", "validated", "models"]
      writes          = ["predictions", "sagemaker"]
      online_store    = false
      sagemaker       = "transform"
      ops_db          = false
      describe_alarms = false
    }
    shadow = {
      reads           = ["predictions", "validated"] # validated/: the labels, once they are in
      writes          = ["shadow_results"]
      online_store    = false
      sagemaker       = "none"
      ops_db          = false
      describe_alarms = false
    }
    quality = {
      reads           = ["predictions", "validated", "features", "models"]
      writes          = ["quality_metrics", "drift_metrics", "decisions"]
      online_store    = false
      sagemaker       = "none"
      ops_db          = false
      describe_alarms = false
    }
    promote = {
      # the candidate's test split is rebuilt from validated/ and features/ to score both versions on it
      reads           = ["models", "validated", "features", "shadow_results", "quality_metrics"]
      writes          = ["audit"]
      online_store    = false
      sagemaker       = "promote"
      ops_db          = false
      describe_alarms = true
    }
  }
}
