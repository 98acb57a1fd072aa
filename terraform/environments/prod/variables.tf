# Account-specific settings come from terraform.tfvars (see terraform.tfvars.example) or TF_VAR_*
# variables of the pipeline's GitHub Environment; nothing account-specific is committed.

variable "aws_region" {
  type        = string
  description = "Region of this environment's table and bucket."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must be an AWS region name (<area>-<direction>-<number>)."
  }
}

variable "cors_allowed_origins" {
  type        = list(string)
  description = "Browser origins of the web app that uploads avatars (https://host[:port])."
  default     = []
}

variable "access_log_bucket_name" {
  type        = string
  description = "Existing bucket for S3 server access logs of the avatar bucket; null disables them."
  default     = null
}

variable "workload_identity" {
  type        = string
  description = "How pods get AWS credentials: irsa, pod_identity or none."
  default     = "irsa"
}

variable "eks_oidc_provider_arn" {
  type        = string
  description = "ARN of the cluster's IAM OIDC provider (workload_identity = irsa)."
  default     = null
}

variable "eks_cluster_name" {
  type        = string
  description = "EKS cluster of the Pod Identity association (workload_identity = pod_identity)."
  default     = null
}

variable "kubernetes_namespace" {
  type        = string
  description = "Namespace the chart is installed in."
  default     = "user-api"
}

variable "kubernetes_service_account" {
  type        = string
  description = "Service account the chart's pods run as."
  default     = "user-api"
}

variable "cognito_user_pool" {
  type        = bool
  description = "Create an Amazon Cognito user pool as the issuer of the service's access tokens (scopes and a machine-to-machine client)."
  default     = false
}

variable "oidc_issuer" {
  type        = string
  description = "An external OpenID Connect issuer whose access tokens the service accepts (instead of Cognito); null for none."
  default     = null
}

variable "oidc_audience" {
  type        = list(string)
  description = "Audiences accepted in tokens of oidc_issuer; required with it."
  default     = []
}

variable "oidc_scope_prefix" {
  type        = string
  description = "Prefix oidc_issuer puts before each scope name, if any."
  default     = ""
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs (e.g. an SNS topic) notified by the module's alarms, such as DynamoDB throttling."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Extra default tags for every resource (e.g. Owner, CostCenter)."
  default     = {}
}

variable "web_page_urls" {
  type        = list(string)
  description = "URLs of the service's web page (https://host/), where people come back after signing in; with cognito_user_pool, its app client is made for them."
  default     = []
}

variable "oidc_web_page_client_id" {
  type        = string
  description = "The web page's public client at oidc_issuer, if any."
  default     = ""
}
