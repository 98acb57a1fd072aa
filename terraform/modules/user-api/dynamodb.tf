# Key schema and index as in src/users/table-definition.ts (the service creates the same table
# locally); test/terraform checks that both stay equal.
resource "aws_dynamodb_table" "users" {
  name                        = local.dynamodb_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  # A runaway client meets throttling (the service answers 503 with Retry-After) instead of running
  # up an unbounded bill; the alarm below says when it starts.
  on_demand_throughput {
    max_read_request_units  = var.dynamodb_max_read_request_units
    max_write_request_units = var.dynamodb_max_write_request_units
  }

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

    # The index is billed on its own: every user record write is one more write here.
    on_demand_throughput {
      max_read_request_units  = var.dynamodb_max_read_request_units
      max_write_request_units = var.dynamodb_max_write_request_units
    }
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

# Throttling has started: the throughput cap above (or an account limit) refuses reads or writes of
# the table or its index. The service's own alert (chart PrometheusRule) fires only once the SDK's
# retries no longer hide it from clients; this one fires at the first throttled event.
resource "aws_cloudwatch_metric_alarm" "dynamodb_throttled" {
  alarm_name          = "${var.name}-dynamodb-throttled"
  alarm_description   = "DynamoDB throttles reads or writes of ${aws_dynamodb_table.users.name} or its index: the on-demand throughput cap (dynamodb_max_*_request_units) or an account limit is reached."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "throttled"
    expression  = "SUM(METRICS())"
    label       = "Throttled events of the users table and its index"
    return_data = true
  }

  metric_query {
    id = "table_reads"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = aws_dynamodb_table.users.name }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "table_writes"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = aws_dynamodb_table.users.name }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "index_reads"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = aws_dynamodb_table.users.name, GlobalSecondaryIndexName = "users-by-id" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "index_writes"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = aws_dynamodb_table.users.name, GlobalSecondaryIndexName = "users-by-id" }
      period      = 60
      stat        = "Sum"
    }
  }

  tags = var.tags
}
