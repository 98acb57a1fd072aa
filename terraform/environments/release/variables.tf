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

variable "tags" {
  type        = map(string)
  description = "Extra default tags for every resource (e.g. Owner, CostCenter)."
  default     = {}
}
