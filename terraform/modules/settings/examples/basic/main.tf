# The dev environment's settings, as terraform/envs/dev reads them.
module "settings" {
  source = "../.."

  environment_file = "${path.module}/../../../../../dags/environments/dev.yaml"
}

output "lake_uri" {
  description = "The dev lake root."
  value       = module.settings.lake_uri
}
