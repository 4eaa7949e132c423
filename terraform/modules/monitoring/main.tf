# Monitoring as code: an Amazon Managed Service for Prometheus (AMP) workspace encrypted with the
# environment's key, the jobs' alerting and recording rules (rules/mlops.rules.yml, the same file
# promtool and MonitoringRulesTest check) as a rule group namespace, and optionally an alert manager
# definition that sends the alerts to an SNS topic. The Grafana dashboard (dashboards/mlops.json) is
# imported into Grafana over this workspace (README.md); the metrics reach the workspace by remote write
# from whatever scrapes the Pushgateway the jobs push to (docs/monitoring.md).

locals {
  rules_file = coalesce(var.rules_file, "${path.module}/rules/mlops.rules.yml")
}

resource "aws_prometheus_workspace" "this" {
  alias       = var.workspace_alias
  kms_key_arn = var.kms_key_arn

  dynamic "logging_configuration" {
    for_each = var.log_group_arn == null ? [] : [var.log_group_arn]
    content {
      # AMP wants the log group's ARN ending with :*
      log_group_arn = endswith(logging_configuration.value, ":*") ? logging_configuration.value : "${logging_configuration.value}:*"
    }
  }

  tags = var.tags
}

# the whole rules file is one namespace: its groups (mlops-runs, mlops-model) are evaluated by the workspace
resource "aws_prometheus_rule_group_namespace" "this" {
  name         = var.rule_namespace_name
  workspace_id = aws_prometheus_workspace.this.id
  data         = file(local.rules_file)
}

# alerts grouped per alert and model, to one SNS topic (its policy must let aps.amazonaws.com publish,
# and use its key if it has one: README.md). Without a topic the workspace evaluates the rules and shows
# the firing alerts (ALERTS series, the console), but sends nothing
resource "aws_prometheus_alert_manager_definition" "this" {
  count = var.alert_sns_topic_arn == null ? 0 : 1

  workspace_id = aws_prometheus_workspace.this.id
  definition = yamlencode({
    alertmanager_config = yamlencode({
      route = {
        receiver        = "sns"
        group_by        = ["alertname", "model"]
        group_wait      = "1m"
        group_interval  = "5m"
        repeat_interval = var.alert_repeat_interval
      }
      receivers = [{
        name = "sns"
        sns_configs = [{
          topic_arn = var.alert_sns_topic_arn
          sigv4     = { region = split(":", var.alert_sns_topic_arn)[3] }
          subject   = "[{{ .Status }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.model }}"
          attributes = {
            severity = "{{ .CommonLabels.severity }}"
          }
        }]
      }]
    })
  })
}
