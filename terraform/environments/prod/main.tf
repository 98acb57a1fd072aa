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
}
