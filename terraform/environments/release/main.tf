# The release environment: Terraform applied from `main` after dev (docs/delivery.md).
module "user_api" {
  source = "../../modules/user-api"

  name = "user-api-release"

  deletion_protection              = true
  kms_key_deletion_window_days     = 30
  point_in_time_recovery_days      = 14
  noncurrent_avatar_retention_days = 14

  cors_allowed_origins       = var.cors_allowed_origins
  access_log_bucket_name     = var.access_log_bucket_name
  workload_identity          = var.workload_identity
  eks_oidc_provider_arn      = var.eks_oidc_provider_arn
  eks_cluster_name           = var.eks_cluster_name
  kubernetes_namespace       = var.kubernetes_namespace
  kubernetes_service_account = var.kubernetes_service_account

  # The issuer of access tokens: the module's Cognito user pool, an external issuer, or none.
  cognito_user_pool = var.cognito_user_pool
  oidc_issuer       = var.oidc_issuer
  oidc_audience     = var.oidc_audience
  oidc_scope_prefix = var.oidc_scope_prefix

  # Cost caps: room for release testing, far below what a runaway client could spend. No WAF.
  dynamodb_max_read_request_units  = 500
  dynamodb_max_write_request_units = 200
  waf_enabled                      = false
  alarm_actions                    = var.alarm_actions

  # Sign-in on the service's web page: a Cognito client for these URLs, or the external issuer's.
  web_page_urls           = var.web_page_urls
  oidc_web_page_client_id = var.oidc_web_page_client_id
}
