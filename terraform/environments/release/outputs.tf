output "aws_region" {
  description = "AWS_REGION, chart value config.awsRegion."
  value       = module.user_api.aws_region
}

output "dynamodb_table_name" {
  description = "DYNAMODB_TABLE, chart value config.dynamodbTable."
  value       = module.user_api.dynamodb_table_name
}

output "s3_bucket_name" {
  description = "S3_BUCKET, chart value config.s3Bucket."
  value       = module.user_api.s3_bucket_name
}

output "s3_kms_key_id" {
  description = "S3_KMS_KEY_ID, chart value config.s3KmsKeyId (full key ARN)."
  value       = module.user_api.s3_kms_key_id
}

output "kms_key_arn" {
  description = "Customer-managed key of the bucket and the table."
  value       = module.user_api.kms_key_arn
}

output "service_policy_arn" {
  description = "Managed policy with the service's permissions."
  value       = module.user_api.service_policy_arn
}

output "service_role_arn" {
  description = "Role the pods assume; null when workload_identity is none."
  value       = module.user_api.service_role_arn
}

output "irsa_role_arn" {
  description = "Chart value serviceAccount.irsaRoleArn; null unless workload_identity is irsa."
  value       = module.user_api.irsa_role_arn
}

output "oidc_issuer" {
  description = "OIDC_ISSUER, chart value auth.oidc.issuer; null without an issuer."
  value       = module.user_api.oidc_issuer
}

output "oidc_audience" {
  description = "OIDC_AUDIENCE, chart value auth.oidc.audience."
  value       = module.user_api.oidc_audience
}

output "oidc_scope_prefix" {
  description = "OIDC_SCOPE_PREFIX, chart value auth.oidc.scopePrefix."
  value       = module.user_api.oidc_scope_prefix
}

output "oidc_token_endpoint" {
  description = "Token endpoint of the Cognito machine client; null without Cognito."
  value       = module.user_api.oidc_token_endpoint
}

output "cognito_machine_client_id" {
  description = "Cognito app client for machine-to-machine use; null without Cognito."
  value       = module.user_api.cognito_machine_client_id
}

output "waf_web_acl_arn" {
  description = "Chart value ingress.wafv2AclArn; null without the WAF."
  value       = module.user_api.waf_web_acl_arn
}

output "service_environment" {
  description = "The service's AWS settings as environment variables."
  value       = module.user_api.service_environment
}

output "helm_values" {
  description = "Values file for charts/user-api: terraform output -json helm_values > values-terraform.json"
  value       = module.user_api.helm_values
}
