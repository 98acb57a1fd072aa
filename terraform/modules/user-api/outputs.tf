# Each output maps onto one setting of the service (environment variable) and of the Helm chart
# (charts/user-api values); see terraform/README.md for the hand-off.

output "aws_region" {
  description = "Region of the table and bucket: AWS_REGION, chart value config.awsRegion."
  value       = local.region
}

output "dynamodb_table_name" {
  description = "Users table: DYNAMODB_TABLE, chart value config.dynamodbTable."
  value       = aws_dynamodb_table.users.name
}

output "dynamodb_table_arn" {
  description = "ARN of the users table."
  value       = aws_dynamodb_table.users.arn
}

output "s3_bucket_name" {
  description = "Avatar bucket: S3_BUCKET, chart value config.s3Bucket."
  value       = aws_s3_bucket.avatars.id
}

output "s3_bucket_arn" {
  description = "ARN of the avatar bucket."
  value       = aws_s3_bucket.avatars.arn
}

output "s3_kms_key_id" {
  description = "Key ARN for SSE-KMS uploads: S3_KMS_KEY_ID, chart value config.s3KmsKeyId. The bucket policy compares the full ARN, so pass this value, not the key id or alias."
  value       = aws_kms_key.this.arn
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key that encrypts the bucket and the table."
  value       = aws_kms_key.this.arn
}

output "kms_key_alias" {
  description = "Alias of the customer-managed key."
  value       = aws_kms_alias.this.name
}

output "service_policy_arn" {
  description = "Managed policy with the service's permissions; attach it to a dedicated IAM user on clusters without IRSA or Pod Identity (README)."
  value       = aws_iam_policy.service.arn
}

output "service_role_arn" {
  description = "Role the service's pods assume (IRSA or Pod Identity); null when workload_identity is none."
  value       = one(aws_iam_role.service[*].arn)
}

output "irsa_role_arn" {
  description = "Role for the eks.amazonaws.com/role-arn service account annotation: chart value serviceAccount.irsaRoleArn. Null unless workload_identity is irsa."
  value       = var.workload_identity == "irsa" ? one(aws_iam_role.service[*].arn) : null
}

output "service_environment" {
  description = "The service's AWS settings as environment variables."
  value = {
    AWS_REGION     = local.region
    DYNAMODB_TABLE = aws_dynamodb_table.users.name
    S3_BUCKET      = aws_s3_bucket.avatars.id
    S3_KMS_KEY_ID  = aws_kms_key.this.arn
  }
}

output "helm_values" {
  description = "Values for charts/user-api: terraform output -json helm_values > values-terraform.json, then helm upgrade --install -f values-terraform.json."
  value = {
    config = {
      awsRegion     = local.region
      dynamodbTable = aws_dynamodb_table.users.name
      s3Bucket      = aws_s3_bucket.avatars.id
      s3KmsKeyId    = aws_kms_key.this.arn
    }
    serviceAccount = {
      # The role trusts only this service account name, so the chart must use it.
      name        = var.kubernetes_service_account
      irsaRoleArn = var.workload_identity == "irsa" ? one(aws_iam_role.service[*].arn) : ""
    }
  }
}
