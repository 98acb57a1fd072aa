# Key schema and index as in src/users/table-definition.ts (the service creates the same table
# locally); test/terraform checks that both stay equal.
resource "aws_dynamodb_table" "users" {
  name                        = local.dynamodb_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "user_id"
    type = "S"
  }

  # Sparse: only user records carry user_id, so GET /users pages through users and nothing else.
  global_secondary_index {
    name            = "users-by-id"
    hash_key        = "user_id"
    projection_type = "ALL"
  }

  # Undone registrations and released claims leave markers that expire by this attribute
  # (EXPIRES_AT_ATTRIBUTE in src/users/table-definition.ts); user records and claims never carry it.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = var.point_in_time_recovery_days
  }

  tags = var.tags
}
