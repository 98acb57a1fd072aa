# The two roles the Delivery workflow assumes for one environment through GitHub's OIDC provider,
# with trust that matches what each job may do:
#   - plan role: reads the environment's state and the configuration of its resources, never their
#     data. Trusted only for runs on the environment's own branch (a protected ref, which a pull
#     request cannot impersonate) and, where pull_request_plans allows it, for pull requests;
#   - deploy role: changes the environment. Trusted only for jobs in the GitHub Environment of the
#     same name, whose deployment-branch rule and required reviewers a pull request cannot pass.
# GitHub's default subject claims are assumed: repo:<owner>/<name>:ref:refs/heads/<branch>,
# repo:<owner>/<name>:pull_request and repo:<owner>/<name>:environment:<environment>.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix
  name       = "${var.name_prefix}-${var.environment}"

  # The token's issuer, as IAM names its condition keys.
  oidc_issuer = "token.actions.githubusercontent.com"

  branch_subject       = "repo:${var.github_repository}:ref:refs/heads/${var.branch}"
  pull_request_subject = "repo:${var.github_repository}:pull_request"
  environment_subject  = "repo:${var.github_repository}:environment:${var.environment}"
  plan_subjects        = var.pull_request_plans ? [local.branch_subject, local.pull_request_subject] : [local.branch_subject]
}

data "aws_iam_policy_document" "plan_trust" {
  statement {
    sid     = "WorkflowRunsOnTheBranchAssumeThePlanRole"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = local.plan_subjects
    }
  }
}

data "aws_iam_policy_document" "deploy_trust" {
  statement {
    sid     = "JobsOfTheEnvironmentAssumeTheDeployRole"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = [local.environment_subject]
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${local.name}-terraform-plan"
  description          = "Terraform plans of ${local.name} from ${var.github_repository}: reads state and configuration, never data"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust.json
  max_session_duration = var.max_session_duration_seconds
  tags                 = var.tags
}

resource "aws_iam_policy" "plan" {
  name        = "${local.name}-terraform-plan"
  description = "Read the state and the resource configuration of ${local.name}, no data"
  policy      = data.aws_iam_policy_document.plan.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "plan" {
  role       = aws_iam_role.plan.name
  policy_arn = aws_iam_policy.plan.arn
}

resource "aws_iam_role" "deploy" {
  name                 = "${local.name}-deploy"
  description          = "Terraform apply and Helm rollout of ${local.name} from the ${var.environment} environment of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust.json
  max_session_duration = var.max_session_duration_seconds
  tags                 = var.tags
}

resource "aws_iam_policy" "deploy_state" {
  name        = "${local.name}-deploy-state"
  description = "Read and write the Terraform state of ${local.name} and reach its EKS cluster"
  policy      = data.aws_iam_policy_document.deploy_state.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "deploy_state" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deploy_state.arn
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each   = toset(var.deploy_policy_arns)
  role       = aws_iam_role.deploy.name
  policy_arn = each.value
}
