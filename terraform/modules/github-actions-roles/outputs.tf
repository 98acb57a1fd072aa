output "plan_role_arn" {
  description = "Role of the plan jobs: this environment's entry in the repository variable TERRAFORM_PLAN_ROLE_ARNS."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Role of the deploy job: the variable AWS_DEPLOY_ROLE_ARN of the GitHub Environment."
  value       = aws_iam_role.deploy.arn
}
