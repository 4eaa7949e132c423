# The jobs' Kubernetes service accounts, each annotated with its IAM role (IRSA), and the RBAC a job's pod
# needs to run Spark on Kubernetes in client mode: the driver is the job's own pod and creates its executors as
# pods of the job's image, running as the same service account (so they reach S3 with the job's role).
# What a client-mode driver does through the API (Spark's "Running on Kubernetes", RBAC): create, get, list,
# watch and delete executor pods (deletecollection at shutdown), and the executors' config map and on-demand
# persistent volume claims.

resource "kubernetes_namespace_v1" "this" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name   = var.namespace
    labels = var.labels
  }
}

locals {
  namespace = var.create_namespace ? kubernetes_namespace_v1.this[0].metadata[0].name : var.namespace
}

resource "kubernetes_service_account_v1" "job" {
  for_each = var.service_accounts

  metadata {
    name        = each.value.name
    namespace   = local.namespace
    labels      = merge(var.labels, { "mlops/job" = each.key })
    annotations = { "eks.amazonaws.com/role-arn" = each.value.role_arn }
  }
  automount_service_account_token = contains(var.spark_driver_jobs, each.key)
}

resource "kubernetes_role_v1" "spark_driver" {
  count = length(var.spark_driver_jobs) > 0 ? 1 : 0

  metadata {
    name      = "mlops-spark-driver"
    namespace = local.namespace
    labels    = var.labels
  }

  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["create", "get", "list", "watch", "delete", "deletecollection"]
  }

  rule {
    api_groups = [""]
    resources  = ["configmaps", "persistentvolumeclaims"]
    verbs      = ["create", "get", "list", "watch", "delete", "deletecollection"]
  }
}

resource "kubernetes_role_binding_v1" "spark_driver" {
  for_each = toset(var.spark_driver_jobs)

  metadata {
    name      = "mlops-spark-driver-${each.key}"
    namespace = local.namespace
    labels    = merge(var.labels, { "mlops/job" = each.key })
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.spark_driver[0].metadata[0].name
  }

  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.job[each.key].metadata[0].name
    namespace = local.namespace
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.service_accounts), each.key)
      error_message = "spark_driver_jobs: ${each.key} has no service account (service_accounts)."
    }
  }
}
