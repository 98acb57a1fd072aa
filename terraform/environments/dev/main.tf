# The dev environment: Terraform applied from `main` first, before release and prod (docs/delivery.md).
module "user_api" {
  source = "../../modules/user-api"

  name = "user-api-dev"

  # Throw-away environment: short retention, and everything can be destroyed.
  deletion_protection              = false
  force_destroy_avatar_bucket      = true
  kms_key_deletion_window_days     = 7
  point_in_time_recovery_days      = 7
  noncurrent_avatar_retention_days = 7

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

  # Cost caps and edge protection of a throw-away environment: small caps, no WAF.
  dynamodb_max_read_request_units  = 100
  dynamodb_max_write_request_units = 50
  waf_enabled                      = false
  alarm_actions                    = var.alarm_actions

  # Sign-in on the service's web page: a Cognito client for these URLs, or the external issuer's.
  web_page_urls           = var.web_page_urls
  oidc_web_page_client_id = var.oidc_web_page_client_id
}
