terraform {
  required_version = ">= 1.5"
  # no providers: policies are jsonencode()d values, so `terraform console` renders them with no AWS access
}
