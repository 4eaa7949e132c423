# The online store: one DynamoDB table per online feature group of a model, named
# <prefix><model>-<group> (dynamodb.table_prefix; OnlineStore.tableName), hash key entity_id (S),
# items expiring at expires_at (epoch seconds; the group's ttl after its feature time).
# Groups with online = false have no table.

locals {
  tables = {
    for g in var.feature_groups : "${g.model}-${g.group}" => g if g.online
  }
}

resource "aws_dynamodb_table" "this" {
  for_each = local.tables

  name         = "${var.table_prefix}${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "entity_id"

  attribute {
    name = "entity_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection

  tags = merge(var.tags, {
    "mlops:model"         = each.value.model
    "mlops:feature-group" = each.value.group
  })
}
