variable "name" {
  type        = string
  description = "Prefix of every resource name, one per environment (e.g. user-api-dev). Lowercase letters, digits and hyphens, at most 24 characters so that derived bucket names stay within 63."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "avatar_bucket_name" {
  type        = string
  description = "Name of the avatar bucket. Null derives a globally unique one: <name>-avatars-<account id>-<region>."
  default     = null

  validation {
    # No dots: virtual-hosted-style HTTPS (what presigned URLs use) breaks on dotted bucket names.
    condition     = var.avatar_bucket_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.avatar_bucket_name))
    error_message = "avatar_bucket_name must be 3-63 lowercase letters, digits or hyphens (no dots)."
  }
}

variable "dynamodb_table_name" {
  type        = string
  description = "Name of the users table. Null derives <name>-users."
  default     = null

  validation {
    condition     = var.dynamodb_table_name == null || can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.dynamodb_table_name))
    error_message = "dynamodb_table_name must be 3-255 characters of a-z, A-Z, 0-9, '_', '-' and '.'."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the users table (DynamoDB deletion protection) and the Cognito user pool, if any, from deletion. Turn off only for throw-away environments."
  default     = true
}

variable "force_destroy_avatar_bucket" {
  type        = bool
  description = "Let terraform destroy delete the avatar bucket with all its objects. Only for throw-away environments."
  default     = false
}

variable "kms_key_deletion_window_days" {
  type        = number
  description = "Days a scheduled deletion of the customer-managed key can still be cancelled (7-30)."
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "point_in_time_recovery_days" {
  type        = number
  description = "How many days back the users table can be restored to (point-in-time recovery, 1-35)."
  default     = 35

  validation {
    condition     = var.point_in_time_recovery_days >= 1 && var.point_in_time_recovery_days <= 35
    error_message = "point_in_time_recovery_days must be between 1 and 35."
  }
}

variable "noncurrent_avatar_retention_days" {
  type        = number
  description = "Days an overwritten or deleted avatar version is kept before S3 expires it. Bounds how long an erased user's avatar survives in versioning."
  default     = 30

  validation {
    condition     = var.noncurrent_avatar_retention_days >= 1
    error_message = "noncurrent_avatar_retention_days must be at least 1."
  }
}

variable "incomplete_upload_expiry_days" {
  type        = number
  description = "Days after which S3 aborts an incomplete multipart upload and frees its parts."
  default     = 1

  validation {
    condition     = var.incomplete_upload_expiry_days >= 1
    error_message = "incomplete_upload_expiry_days must be at least 1."
  }
}

variable "cors_allowed_origins" {
  type        = list(string)
  description = "Browser origins allowed to upload and download avatars with presigned URLs and forms (e.g. https://app.example.com). Empty means no CORS: only non-browser clients can upload."
  default     = []

  validation {
    condition = alltrue([
      for origin in var.cors_allowed_origins :
      can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", origin)) || can(regex("^http://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?$", origin))
    ])
    error_message = "Each CORS origin must be https://host[:port] (or http://localhost[:port] for development); no wildcards or paths."
  }
}

variable "cors_max_age_seconds" {
  type        = number
  description = "How long browsers may cache the CORS preflight response."
  default     = 3000

  validation {
    condition     = var.cors_max_age_seconds >= 0 && var.cors_max_age_seconds <= 86400
    error_message = "cors_max_age_seconds must be between 0 and 86400."
  }
}

variable "access_log_bucket_name" {
  type        = string
  description = "Existing bucket that receives S3 server access logs of the avatar bucket (it must allow logging.s3.amazonaws.com to write). Null disables access logging."
  default     = null
}

variable "workload_identity" {
  type        = string
  description = "How the service's pods get AWS credentials: irsa (IAM roles for service accounts), pod_identity (EKS Pod Identity) or none (only the managed policy is created; see README for a cluster without either)."
  default     = "irsa"

  validation {
    condition     = contains(["irsa", "pod_identity", "none"], var.workload_identity)
    error_message = "workload_identity must be irsa, pod_identity or none."
  }
}

variable "eks_oidc_provider_arn" {
  type        = string
  description = "ARN of the cluster's IAM OIDC provider (arn:<partition>:iam::<account>:oidc-provider/<issuer>). Required when workload_identity is irsa."
  default     = null

  validation {
    condition     = var.workload_identity != "irsa" || can(regex("^arn:[a-z-]+:iam::[0-9]+:oidc-provider/.+$", var.eks_oidc_provider_arn))
    error_message = "With workload_identity = irsa, eks_oidc_provider_arn must be the ARN of the cluster's IAM OIDC provider."
  }
}

variable "eks_cluster_name" {
  type        = string
  description = "Name of the EKS cluster the Pod Identity association is created in. Required when workload_identity is pod_identity."
  default     = null

  validation {
    condition     = var.workload_identity != "pod_identity" || can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.eks_cluster_name))
    error_message = "With workload_identity = pod_identity, eks_cluster_name must be the name of an EKS cluster."
  }
}

variable "kubernetes_namespace" {
  type        = string
  description = "Namespace the chart is installed in; the role trusts only this namespace."
  default     = "user-api"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.kubernetes_namespace))
    error_message = "kubernetes_namespace must be a valid Kubernetes namespace name."
  }
}

variable "kubernetes_service_account" {
  type        = string
  description = "Service account the chart's pods run as; the role trusts only this service account."
  default     = "user-api"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.kubernetes_service_account))
    error_message = "kubernetes_service_account must be a valid Kubernetes service account name."
  }
}

variable "iam_role_permissions_boundary_arn" {
  type        = string
  description = "Permissions boundary to set on the service role, if the platform requires one. Null sets none."
  default     = null
}

variable "cognito_user_pool" {
  type        = bool
  description = "Create an Amazon Cognito user pool as the issuer of the service's access tokens: a resource server with the scopes users:read, users:write and users:delete, and an app client for machine-to-machine use (client credentials). Off by default; use oidc_issuer for any other issuer."
  default     = false
}

variable "cognito_threat_protection" {
  type        = bool
  description = "Cognito threat protection (advanced security, enforced) on the user pool. It needs the Plus feature plan, billed per monthly active user."
  default     = false
}

variable "cognito_domain_prefix" {
  type        = string
  description = "Prefix of the user pool's domain, <prefix>.auth.<region>.amazoncognito.com, whose /oauth2/token endpoint issues the tokens. Null derives <name>-<account id>."
  default     = null

  validation {
    condition     = var.cognito_domain_prefix == null || (can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix)) && !can(regex("aws|amazon|cognito", var.cognito_domain_prefix)))
    error_message = "cognito_domain_prefix must be 1-63 lowercase letters, digits or hyphens, and must not contain aws, amazon or cognito."
  }
}

variable "web_page_urls" {
  type        = list(string)
  description = "URLs of the service's web page (its root, e.g. https://users.example.com/), where the issuer sends people back after they sign in. With cognito_user_pool, a public app client for the page (Authorization Code with PKCE) is created for them. Empty: no sign-in on the page."
  default     = []

  validation {
    condition = alltrue([
      for url in var.web_page_urls :
      can(regex("^https://[a-z0-9.-]+(:[0-9]+)?/$", url)) || can(regex("^http://localhost(:[0-9]+)?/$", url))
    ])
    error_message = "Each web page URL must be https://host[:port]/ (or http://localhost[:port]/ for development): the root the service serves the page at."
  }
}

variable "oidc_web_page_client_id" {
  type        = string
  description = "The public client (Authorization Code with PKCE) registered at oidc_issuer for the web page, if any; with cognito_user_pool the module creates it from web_page_urls."
  default     = ""
}

variable "oidc_issuer" {
  type        = string
  description = "An external OpenID Connect issuer (Keycloak, Okta, Entra ID, Auth0, Dex...) whose access tokens the service accepts, exactly as its tokens' iss claim spells it. Null: none, or the Cognito user pool with cognito_user_pool."
  default     = null

  validation {
    condition     = var.oidc_issuer == null || (!var.cognito_user_pool && can(regex("^https://[^?#[:space:]]+$", var.oidc_issuer)) && length(var.oidc_audience) > 0)
    error_message = "oidc_issuer must be an https URL without query or fragment, needs oidc_audience, and cannot be combined with cognito_user_pool."
  }
}

variable "oidc_audience" {
  type        = list(string)
  description = "Audiences the service accepts in tokens of oidc_issuer (its aud claim); required with oidc_issuer."
  default     = []
}

variable "oidc_scope_prefix" {
  type        = string
  description = "Prefix the external issuer puts before each scope name, if any (e.g. api://user-api/ for Entra ID). Cognito's is set by this module."
  default     = ""
}

variable "dynamodb_max_read_request_units" {
  type        = number
  description = "Most read request units per second the users table, and separately its index, may consume (on-demand maximum throughput); beyond it DynamoDB throttles and the service answers 503. Bounds the bill of a runaway client."
  default     = 1000

  validation {
    condition     = var.dynamodb_max_read_request_units >= 1 && floor(var.dynamodb_max_read_request_units) == var.dynamodb_max_read_request_units
    error_message = "dynamodb_max_read_request_units must be a whole number of at least 1."
  }
}

variable "dynamodb_max_write_request_units" {
  type        = number
  description = "Most write request units per second the users table, and separately its index, may consume (on-demand maximum throughput). A registration writes two units to the table and one to the index."
  default     = 500

  validation {
    condition     = var.dynamodb_max_write_request_units >= 1 && floor(var.dynamodb_max_write_request_units) == var.dynamodb_max_write_request_units
    error_message = "dynamodb_max_write_request_units must be a whole number of at least 1."
  }
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs (e.g. SNS topics) notified when an alarm of the module changes state, such as DynamoDB throttling. Empty: the alarms only show in CloudWatch."
  default     = []
}

variable "waf_enabled" {
  type        = bool
  description = "Create an AWS WAFv2 web ACL for the load balancer in front of the service: a rate limit per client IP and AWS's managed common and known-bad-inputs rules, logged to CloudWatch Logs. Its ARN goes to the chart (helm_values ingress.wafv2AclArn)."
  default     = false
}

variable "waf_rate_limit_per_ip" {
  type        = number
  description = "Requests one client IP may send in waf_rate_limit_window_seconds, across every replica, before the web ACL answers 429. The one limit the replicas share."
  default     = 6000

  validation {
    condition     = var.waf_rate_limit_per_ip >= 10 && var.waf_rate_limit_per_ip <= 2000000000
    error_message = "waf_rate_limit_per_ip must be between 10 and 2,000,000,000 (AWS WAF's bounds)."
  }
}

variable "waf_rate_limit_window_seconds" {
  type        = number
  description = "The window WAF counts each client IP's requests over: 60, 120, 300 or 600 seconds."
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.waf_rate_limit_window_seconds)
    error_message = "waf_rate_limit_window_seconds must be 60, 120, 300 or 600."
  }
}

variable "waf_log_retention_days" {
  type        = number
  description = "Days CloudWatch Logs keeps the web ACL's request log (client addresses and URLs; credentials are redacted)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.waf_log_retention_days)
    error_message = "waf_log_retention_days must be a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of the module, on top of the provider's default tags."
  default     = {}
}
