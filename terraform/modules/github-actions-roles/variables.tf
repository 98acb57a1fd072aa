variable "github_repository" {
  type        = string
  description = "Repository whose workflows assume the roles, as owner/name."

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_oidc_provider_arn" {
  type        = string
  description = "ARN of the account's IAM OIDC provider for https://token.actions.githubusercontent.com."
}

variable "environment" {
  type        = string
  description = "Environment the roles serve (dev, release, prod): the GitHub Environment of the deploy job, part of the role names, and the Environment tag its keys carry."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "branch" {
  type        = string
  description = "Branch that deploys the environment; the plan role trusts runs on this branch."
}

variable "pull_request_plans" {
  type        = bool
  description = "Let pull requests of the repository assume the plan role, to post plans on them. A pull request can edit the workflow it runs, so only for environments whose state a pull request may read: never prod."
  default     = false
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the environment's resources (the user-api module's name is <name_prefix>-<environment>)."
  default     = "user-api"
}

variable "aws_region" {
  type        = string
  description = "Region of the environment's table, bucket and key."
}

variable "eks_cluster_name" {
  type        = string
  description = "EKS cluster of the environment, whose pod identity associations the plan role may read."
}

variable "state_bucket_arn" {
  type        = string
  description = "ARN of the Terraform state bucket."
}

variable "state_kms_key_arn" {
  type        = string
  description = "ARN of the state bucket's KMS key."
}

variable "state_region" {
  type        = string
  description = "Region of the state bucket (the key is used only through S3 there)."
}

variable "state_key" {
  type        = string
  description = "Object key of the environment's state, as in its backend block (user-api/<environment>/terraform.tfstate)."
}

variable "deploy_policy_arns" {
  type        = list(string)
  description = "Managed policies that let the deploy role create and change the environment's resources (KMS, S3, DynamoDB, the service's IAM role and policy). Chosen by the platform team: see the module README."
}

variable "max_session_duration_seconds" {
  type        = number
  description = "Longest session of either role; the plan and deploy jobs time out well within an hour."
  default     = 3600

  validation {
    condition     = var.max_session_duration_seconds >= 3600 && var.max_session_duration_seconds <= 43200
    error_message = "max_session_duration_seconds must be between 3600 and 43200."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags of the roles and policies."
  default     = {}
}
