# The jobs and what each may touch: the one place that says it. One entry per job image
# (images/<job>/Dockerfile); the deploy test (jobs/deploy) fails when an image has no entry here.
#
#   reads / writes   lake prefixes under the lake root (docs/architecture.md, "Lake layout"); every
#                    job that writes also stages under _staging/<job>/ and publishes by rename
#   staging          (optional) the staging areas when not just _staging/<job>/: the promote image also runs
#                    `mlops audit export`, which stages under _staging/audit-export/
#   online_store     the online-store tables: features writes them and `mlops features get` reads one item
#   sagemaker        none | train | transform | promote: the SageMaker actions of that step
#   describe_alarms  reads CloudWatch alarms named <alarm_name_prefix>... (promote's gate)
#   audit_anchor     writes the audit ledger's anchor to the Object Lock bucket (never deletes)
locals {
  catalog = {
    ingest = {
      reads           = ["landing"]
      writes          = ["raw", "quarantine"]
      online_store    = false
      sagemaker       = "none"
      describe_alarms = false
      audit_anchor    = false
    }
    validate = {
      reads           = ["raw"]
      writes          = ["validated", "dq_results", "dq_metrics", "quarantine"]
      online_store    = false
      sagemaker       = "none"
      describe_alarms = false
      audit_anchor    = false
    }
    features = {
      # raw/: whether a day missing from validated/ was ingested (validate stopped it) or never came (FeatureEngine)
      reads           = ["validated", "raw"]
      writes          = ["features"]
      online_store    = true
      sagemaker       = "none"
      describe_alarms = false
      audit_anchor    = false
    }
    train = {
      reads           = ["features", "validated"]
      writes          = ["models", "sagemaker"]
      online_store    = false
      sagemaker       = "train"
      describe_alarms = false
      audit_anchor    = false
    }
    transform = {
      reads           = ["features", "validated", "models"]
      writes          = ["predictions", "sagemaker"]
      online_store    = false
      sagemaker       = "transform"
      describe_alarms = false
      audit_anchor    = false
    }
    shadow = {
      reads           = ["predictions", "validated"] # validated/: the labels, once they are in
      writes          = ["shadow_results"]
      online_store    = false
      sagemaker       = "none"
      describe_alarms = false
      audit_anchor    = false
    }
    quality = {
      reads           = ["predictions", "validated", "features", "models"]
      writes          = ["quality_metrics", "drift_metrics", "decisions"]
      online_store    = false
      sagemaker       = "none"
      describe_alarms = false
      audit_anchor    = false
    }
    promote = {
      # the candidate's test split is rebuilt from validated/ and features/ to score both versions on it
      reads           = ["models", "validated", "features", "shadow_results", "quality_metrics"]
      writes          = ["audit"]
      staging         = ["promote", "audit-export"]
      online_store    = false
      sagemaker       = "promote"
      describe_alarms = true
      audit_anchor    = true
    }
  }
}
