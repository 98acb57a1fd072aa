variable "aws_region" {
  type        = string
  description = "Region of the state bucket and lock table. The environments' backend configuration must name the same region."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must be an AWS region name (<area>-<direction>-<number>)."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the state resources' names and value of the Project tag."
  default     = "user-api"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Name of the state bucket. Null derives a globally unique one: <name_prefix>-tfstate-<account id>-<region>."
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be 3-63 lowercase letters, digits or hyphens (no dots)."
  }
}

variable "create_legacy_lock_table" {
  type        = bool
  description = "Create the DynamoDB lock table for roots still on Terraform < 1.11 (DynamoDB locking is deprecated; this repository locks with use_lockfile)."
  default     = true
}

variable "kms_key_deletion_window_days" {
  type        = number
  description = "Days a scheduled deletion of the state key can still be cancelled (7-30)."
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "noncurrent_state_retention_days" {
  type        = number
  description = "Days old state versions are kept for recovery before S3 expires them."
  default     = 90

  validation {
    condition     = var.noncurrent_state_retention_days >= 1
    error_message = "noncurrent_state_retention_days must be at least 1."
  }
}

variable "access_log_bucket_name" {
  type        = string
  description = "Existing bucket that receives S3 server access logs of the state bucket. Null disables access logging."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra default tags for every resource (e.g. Owner, CostCenter)."
  default     = {}
}

variable "github_repository" {
  type        = string
  description = "Repository (owner/name) whose Delivery workflow deploys the environments in github_environments."
  default     = null

  validation {
    condition     = var.github_repository != null || length(var.github_environments) == 0
    error_message = "github_repository is required when github_environments is not empty."
  }
}

variable "github_oidc_provider_arn" {
  type        = string
  description = "The account's existing IAM OIDC provider for https://token.actions.githubusercontent.com; null creates one."
  default     = null
}

variable "github_environments" {
  type = map(object({
    branch             = string
    aws_region         = string
    eks_cluster_name   = string
    deploy_policy_arns = list(string)
    pull_request_plans = optional(bool, false)
  }))
  description = "Environments deployed from this account, by GitHub Environment name (dev, release, prod): the branch that deploys it, its region and cluster, the managed policies of its deploy role, and whether pull requests may plan it. Each gets a plan role and a deploy role."
  default     = {}

  validation {
    condition     = !try(var.github_environments["prod"].pull_request_plans, false)
    error_message = "prod cannot allow pull_request_plans: a pull request can change the workflow it runs, and must never read prod's state."
  }
}
