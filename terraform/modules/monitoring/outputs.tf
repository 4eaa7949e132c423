output "workspace_id" {
  description = "ID of the Amazon Managed Prometheus workspace."
  value       = aws_prometheus_workspace.this.id
}

output "workspace_arn" {
  description = "ARN of the workspace (what an aps:RemoteWrite or aps:QueryMetrics policy names)."
  value       = aws_prometheus_workspace.this.arn
}

output "prometheus_endpoint" {
  description = "The workspace's Prometheus endpoint (Grafana's data source URL, SigV4 auth)."
  value       = aws_prometheus_workspace.this.prometheus_endpoint
}

output "remote_write_url" {
  description = "Where the scraper of the Pushgateway remote-writes the jobs' metrics."
  value       = "${trimsuffix(aws_prometheus_workspace.this.prometheus_endpoint, "/")}/api/v1/remote_write"
}

output "rule_namespace_name" {
  description = "Name of the rule group namespace holding the rules."
  value       = aws_prometheus_rule_group_namespace.this.name
}

output "dashboard_file" {
  description = "Path of the Grafana dashboard JSON over these metrics, to import into Grafana (README.md)."
  value       = "${path.module}/dashboards/mlops.json"
}
