# The prod environment: Terraform applied from `main` after release, once approved (docs/delivery.md).
module "user_api" {
  source = "../../modules/user-api"

  name = "user-api-prod"

  deletion_protection              = true
  kms_key_deletion_window_days     = 30
  point_in_time_recovery_days      = 35
  noncurrent_avatar_retention_days = 30

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
  # Threat protection on the user pool, if there is one (deletion protection follows deletion_protection).
  cognito_threat_protection = true

  # Cost caps a runaway client meets before the bill does (the service answers 503 beyond them), and
  # the edge firewall in front of the load balancer: a rate limit per client IP and AWS's managed rules.
  dynamodb_max_read_request_units  = 4000
  dynamodb_max_write_request_units = 1000
  waf_enabled                      = true
  alarm_actions                    = var.alarm_actions

  # Sign-in on the service's web page: a Cognito client for these URLs, or the external issuer's.
  web_page_urls           = var.web_page_urls
  oidc_web_page_client_id = var.oidc_web_page_client_id
}
