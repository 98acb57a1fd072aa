output "state_bucket_name" {
  description = "State bucket: the backend's bucket setting."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "Key of the state bucket: the backend's kms_key_id setting (the full ARN, which the bucket policy requires)."
  value       = aws_kms_key.state.arn
}

output "aws_region" {
  description = "Region of the state bucket: the backend's region setting."
  value       = var.aws_region
}

output "legacy_lock_table_name" {
  description = "DynamoDB lock table for roots on Terraform < 1.11 (backend setting dynamodb_table); null when not created."
  value       = one(aws_dynamodb_table.locks[*].name)
}

output "backend_config" {
  description = "Contents of terraform/environments/<env>/backend.hcl: terraform output -raw backend_config > ../environments/dev/backend.hcl"
  value       = <<-EOT
    bucket     = "${aws_s3_bucket.state.id}"
    region     = "${var.aws_region}"
    kms_key_id = "${aws_kms_key.state.arn}"
  EOT
}

output "terraform_plan_role_arns" {
  description = "Plan role of each environment: merge into the repository variable TERRAFORM_PLAN_ROLE_ARNS (terraform output -json terraform_plan_role_arns)."
  value       = { for environment, roles in module.github_actions_roles : environment => roles.plan_role_arn }
}

output "deploy_role_arns" {
  description = "Deploy role of each environment: the variable AWS_DEPLOY_ROLE_ARN of the GitHub Environment of that name."
  value       = { for environment, roles in module.github_actions_roles : environment => roles.deploy_role_arn }
}
