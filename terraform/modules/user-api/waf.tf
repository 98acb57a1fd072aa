# The edge firewall (optional; prod turns it on): an AWS WAFv2 web ACL for the load balancer in front
# of the service. It holds the one limit every replica shares, requests per client IP over a window
# whatever the credential (the service's own limits are per pod, README "Abuse protection"), and
# AWS's managed rule groups for common exploits and known-bad inputs drop those before a pod sees
# them. The chart's Ingress attaches it with the AWS Load Balancer Controller (helm_values, ingress.
# wafv2AclArn); other set-ups associate it with their load balancer (README). Requests are logged to
# CloudWatch Logs, encrypted with the module's key, with the credentials redacted.

locals {
  waf_name = "${var.name}-api"
  # WAF delivers to CloudWatch Logs only into log groups named aws-waf-logs-*.
  waf_log_group_name = "aws-waf-logs-${var.name}"
  waf_log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.waf_log_group_name}"
}

resource "aws_wafv2_web_acl" "this" {
  count       = var.waf_enabled ? 1 : 0
  name        = local.waf_name
  description = "Rate limit per client IP and AWS managed rules in front of ${var.name}"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  # The 429 of the rate-based rule, as problem details like the service's own.
  custom_response_body {
    key          = "rate-limited"
    content_type = "APPLICATION_JSON"
    content = jsonencode({
      type   = "about:blank"
      title  = "Too Many Requests"
      status = 429
      detail = "Too many requests from this address. Retry after the Retry-After delay."
    })
  }

  rule {
    name     = "requests-per-client-ip"
    priority = 0

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = "rate-limited"
          response_header {
            name  = "Retry-After"
            value = tostring(var.waf_rate_limit_window_seconds)
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit_per_ip
        evaluation_window_sec = var.waf_rate_limit_window_seconds
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.waf_name}-requests-per-client-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-managed-common"
    priority = 1

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        # API clients (SDKs, scripts, other services) often send no User-Agent: counted, not blocked.
        rule_action_override {
          name = "NoUserAgent_HEADER"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.waf_name}-aws-managed-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-managed-known-bad-inputs"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.waf_name}-aws-managed-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.waf_name
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "waf" {
  count             = var.waf_enabled ? 1 : 0
  name              = local.waf_log_group_name
  retention_in_days = var.waf_log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count                   = var.waf_enabled ? 1 : 0
  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # Credentials never reach a log.
  redacted_fields {
    single_header {
      name = "x-api-key"
    }
  }

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.waf]
}

# WAF writes through CloudWatch Logs' delivery service, which needs this grant on the log group (WAF
# would otherwise create a broader one itself, for every aws-waf-logs-* group).
resource "aws_cloudwatch_log_resource_policy" "waf" {
  count           = var.waf_enabled ? 1 : 0
  policy_name     = "${var.name}-waf-log-delivery"
  policy_document = data.aws_iam_policy_document.waf_log_delivery.json
}

data "aws_iam_policy_document" "waf_log_delivery" {
  statement {
    sid = "WafLogDeliveryWritesTheFirewallLog"
    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.waf_log_group_arn}:log-stream:*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:*"]
    }
  }
}
