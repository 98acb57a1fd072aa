# The roles the Delivery workflow assumes, per environment deployed from this account, through
# GitHub's OIDC provider (modules/github-actions-roles): a read-only plan role whose prod trust no
# pull request can claim, and a deploy role only the environment's gated job can assume. Nothing is
# created while github_environments is empty.

locals {
  github_oidc_provider_arn = var.github_oidc_provider_arn != null ? var.github_oidc_provider_arn : one(aws_iam_openid_connect_provider.github[*].arn)
}

# One provider per URL and account: pass github_oidc_provider_arn when the account has one already.
resource "aws_iam_openid_connect_provider" "github" {
  count          = length(var.github_environments) > 0 && var.github_oidc_provider_arn == null ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

module "github_actions_roles" {
  source   = "../modules/github-actions-roles"
  for_each = var.github_environments

  github_repository        = var.github_repository
  github_oidc_provider_arn = local.github_oidc_provider_arn
  environment              = each.key
  branch                   = each.value.branch
  pull_request_plans       = each.value.pull_request_plans
  name_prefix              = var.name_prefix
  aws_region               = each.value.aws_region
  eks_cluster_name         = each.value.eks_cluster_name
  deploy_policy_arns       = each.value.deploy_policy_arns
  state_bucket_arn         = aws_s3_bucket.state.arn
  state_kms_key_arn        = aws_kms_key.state.arn
  state_region             = var.aws_region
  state_key                = "${var.name_prefix}/${each.key}/terraform.tfstate"
  tags                     = var.tags
}
