# Storage and access for one environment of the user API: a customer-managed KMS key, the avatar
# bucket, the users table and a least-privilege role for the service's Kubernetes service account.
# Resources live in kms.tf, s3.tf, dynamodb.tf and iam.tf; this file holds what they share.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  dns_suffix = data.aws_partition.current.dns_suffix

  # The service writes every avatar under this prefix (src/avatars); the IAM policy grants nothing
  # outside it.
  avatar_key_prefix = "avatars/"

  avatar_bucket_name  = coalesce(var.avatar_bucket_name, "${var.name}-avatars-${local.account_id}-${local.region}")
  dynamodb_table_name = coalesce(var.dynamodb_table_name, "${var.name}-users")

  # The only services allowed to use the key on behalf of the account's principals.
  kms_via_services = [
    "s3.${local.region}.${local.dns_suffix}",
    "dynamodb.${local.region}.${local.dns_suffix}",
  ]
}
