# Each output maps onto one setting of the service (environment variable) and of the Helm chart
# (charts/user-api values); see terraform/README.md for the hand-off.

output "aws_region" {
  description = "Region of the table and bucket: AWS_REGION, chart value config.awsRegion."
  value       = local.region
}

output "dynamodb_table_name" {
  description = "Users table: DYNAMODB_TABLE, chart value config.dynamodbTable."
  value       = aws_dynamodb_table.users.name
}

output "dynamodb_table_arn" {
  description = "ARN of the users table."
  value       = aws_dynamodb_table.users.arn
}

output "s3_bucket_name" {
  description = "Avatar bucket: S3_BUCKET, chart value config.s3Bucket."
  value       = aws_s3_bucket.avatars.id
}

output "s3_bucket_arn" {
  description = "ARN of the avatar bucket."
  value       = aws_s3_bucket.avatars.arn
}

output "s3_kms_key_id" {
  description = "Key ARN for SSE-KMS uploads: S3_KMS_KEY_ID, chart value config.s3KmsKeyId. The bucket policy compares the full ARN, so pass this value, not the key id or alias."
  value       = aws_kms_key.this.arn
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key that encrypts the bucket and the table."
  value       = aws_kms_key.this.arn
}

output "kms_key_alias" {
  description = "Alias of the customer-managed key."
  value       = aws_kms_alias.this.name
}

output "service_policy_arn" {
  description = "Managed policy with the service's permissions; attach it to a dedicated IAM user on clusters without IRSA or Pod Identity (README)."
  value       = aws_iam_policy.service.arn
}

output "service_role_arn" {
  description = "Role the service's pods assume (IRSA or Pod Identity); null when workload_identity is none."
  value       = one(aws_iam_role.service[*].arn)
}

output "irsa_role_arn" {
  description = "Role for the eks.amazonaws.com/role-arn service account annotation: chart value serviceAccount.irsaRoleArn. Null unless workload_identity is irsa."
  value       = var.workload_identity == "irsa" ? one(aws_iam_role.service[*].arn) : null
}

output "oidc_issuer" {
  description = "Issuer of the service's access tokens (the Cognito user pool, or oidc_issuer): OIDC_ISSUER, chart value auth.oidc.issuer. Null when there is none."
  value       = local.oidc_issuer
}

output "oidc_audience" {
  description = "Audiences the service accepts (the Cognito machine client's id, or oidc_audience): OIDC_AUDIENCE, chart value auth.oidc.audience."
  value       = local.oidc_audience
}

output "oidc_scope_prefix" {
  description = "Prefix of the scope names in the tokens (user-api/ with Cognito): OIDC_SCOPE_PREFIX, chart value auth.oidc.scopePrefix."
  value       = local.oidc_scope_prefix
}

output "oidc_token_endpoint" {
  description = "Where the Cognito machine client gets tokens (client credentials); null without the Cognito user pool."
  value       = var.cognito_user_pool ? "https://${local.cognito_domain_prefix}.auth.${local.region}.amazoncognito.com/oauth2/token" : null
}

output "cognito_machine_client_id" {
  description = "Id of the Cognito app client for machine-to-machine use; its secret: aws cognito-idp describe-user-pool-client. Null without the Cognito user pool."
  value       = one(aws_cognito_user_pool_client.machine[*].id)
}

output "waf_web_acl_arn" {
  description = "The WAFv2 web ACL for the load balancer in front of the service: chart value ingress.wafv2AclArn (the AWS Load Balancer Controller attaches it). Null without waf_enabled."
  value       = one(aws_wafv2_web_acl.this[*].arn)
}

output "waf_log_group_name" {
  description = "CloudWatch Logs group of the web ACL's request log. Null without waf_enabled."
  value       = one(aws_cloudwatch_log_group.waf[*].name)
}

output "dynamodb_throttle_alarm_arn" {
  description = "The CloudWatch alarm that fires when DynamoDB throttles the users table or its index (the throughput cap is reached)."
  value       = aws_cloudwatch_metric_alarm.dynamodb_throttled.arn
}

output "web_page_client_id" {
  description = "The client the web page signs people in with (the Cognito web page client with web_page_urls, or oidc_web_page_client_id): WEB_PAGE_OIDC_CLIENT_ID, chart value webPage.oidcClientId. Null or empty when there is none."
  value       = local.web_page_client_id
}

output "service_environment" {
  description = "The service's AWS and token settings as environment variables (empty OIDC_* values mean bearer tokens off)."
  value = {
    AWS_REGION        = local.region
    DYNAMODB_TABLE    = aws_dynamodb_table.users.name
    S3_BUCKET         = aws_s3_bucket.avatars.id
    S3_KMS_KEY_ID     = aws_kms_key.this.arn
    OIDC_ISSUER       = local.oidc_issuer == null ? "" : local.oidc_issuer
    OIDC_AUDIENCE     = join(",", local.oidc_audience)
    OIDC_SCOPE_PREFIX = local.oidc_scope_prefix
    # The same origins as the bucket's CORS: the apps that upload avatars also call the API.
    CORS_ALLOWED_ORIGINS    = join(",", var.cors_allowed_origins)
    WEB_PAGE_OIDC_CLIENT_ID = local.web_page_client_id == null ? "" : local.web_page_client_id
  }
}

output "helm_values" {
  description = "Values for charts/user-api: terraform output -json helm_values > values-terraform.json, then helm upgrade --install -f values-terraform.json."
  value = {
    config = {
      awsRegion     = local.region
      dynamodbTable = aws_dynamodb_table.users.name
      s3Bucket      = aws_s3_bucket.avatars.id
      s3KmsKeyId    = aws_kms_key.this.arn
    }
    # An empty issuer leaves bearer tokens off in the chart.
    auth = {
      oidc = {
        issuer      = local.oidc_issuer == null ? "" : local.oidc_issuer
        audience    = local.oidc_audience
        scopePrefix = local.oidc_scope_prefix
      }
    }
    # Empty without the WAF; the chart's Ingress attaches it with the AWS Load Balancer Controller.
    ingress = {
      wafv2AclArn = var.waf_enabled ? aws_wafv2_web_acl.this[0].arn : ""
    }
    # One list of browser origins for the bucket's CORS and the API's: the apps that upload
    # avatars also call the API.
    cors = {
      allowedOrigins = var.cors_allowed_origins
    }
    webPage = {
      oidcClientId = local.web_page_client_id == null ? "" : local.web_page_client_id
    }
    serviceAccount = {
      # The role trusts only this service account name, so the chart must use it.
      name        = var.kubernetes_service_account
      irsaRoleArn = var.workload_identity == "irsa" ? one(aws_iam_role.service[*].arn) : ""
    }
  }
}
