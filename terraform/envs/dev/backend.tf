# Remote state: an S3 bucket (versioned, encrypted) and a DynamoDB table for the state lock, both
# made once per account by the platform team, outside this configuration. The values below are
# placeholders: set them here, or leave them and pass your own at init:
#   terraform init -backend-config="bucket=<state bucket>" -backend-config="dynamodb_table=<lock table>" \
#     -backend-config="region=<region>"
# The lock table's partition key is LockID (string).
terraform {
  backend "s3" {
    bucket         = "CHANGE-ME-terraform-state-dev" # placeholder: the state bucket of the dev account
    key            = "mlops/dev/terraform.tfstate"
    region         = "eu-west-1"                 # placeholder: the state bucket's region
    dynamodb_table = "CHANGE-ME-terraform-locks" # placeholder: the lock table (partition key LockID)
    encrypt        = true
  }
}
