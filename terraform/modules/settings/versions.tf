terraform {
  required_version = ">= 1.5"
  # no providers: this module only reads the environment file and derives names, so `terraform console`
  # renders it anywhere (jobs/deploy's DeploymentConsistencyTest does, with no AWS provider)
}
