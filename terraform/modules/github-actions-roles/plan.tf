# What `terraform plan` of one environment reads, and nothing else: its state, and the configuration
# of the resources modules/user-api creates, found by their exact names (or, for KMS keys and pod
# identity associations, whose ids are random, by the Environment and Project tags every root
# applies). No action reads data: no s3:GetObject on the avatar bucket, no DynamoDB item reads, no
# kms:Decrypt except of the state through S3. s3:ListBucket on the avatar bucket stays, because S3
# authorises HeadBucket (how Terraform finds a bucket) as ListBucket; it shows object keys, which
# are random user ids, never an object.

locals {
  table_arn          = "arn:${local.partition}:dynamodb:${var.aws_region}:${local.account_id}:table/${local.name}-users"
  bucket_arn         = "arn:${local.partition}:s3:::${local.name}-avatars-${local.account_id}-${var.aws_region}"
  keys_arn           = "arn:${local.partition}:kms:${var.aws_region}:${local.account_id}:key/*"
  user_pools_arn     = "arn:${local.partition}:cognito-idp:${var.aws_region}:${local.account_id}:userpool/*"
  service_role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-service"
  service_policy_arn = "arn:${local.partition}:iam::${local.account_id}:policy/${local.name}-service"
  associations_arn   = "arn:${local.partition}:eks:${var.aws_region}:${local.account_id}:podidentityassociation/${var.eks_cluster_name}/*"
  # The web ACL's name is exact, its id (the last part) is random.
  web_acls_arn       = "arn:${local.partition}:wafv2:${var.aws_region}:${local.account_id}:regional/webacl/${local.name}-api/*"
  waf_log_group_arn  = "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:aws-waf-logs-${local.name}"
  throttle_alarm_arn = "arn:${local.partition}:cloudwatch:${var.aws_region}:${local.account_id}:alarm:${local.name}-dynamodb-throttled"

  state_object_arn = "${var.state_bucket_arn}/${var.state_key}"
  state_directory  = dirname(var.state_key)
  state_via_s3     = "s3.${var.state_region}.${local.dns_suffix}"
}

data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "ReadTheState"
    actions   = ["s3:GetObject"]
    resources = [local.state_object_arn]
  }

  # `terraform init` lists the workspaces (env:/) and the state's folder.
  statement {
    sid       = "ListTheStateFolder"
    actions   = ["s3:ListBucket"]
    resources = [var.state_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.state_directory}/*", "env:/*"]
    }
  }

  statement {
    sid       = "DecryptTheStateThroughS3"
    actions   = ["kms:Decrypt"]
    resources = [var.state_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.state_via_s3]
    }
  }

  statement {
    sid = "ReadTheTableConfiguration"
    actions = [
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeTable",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:ListTagsOfResource",
    ]
    resources = [local.table_arn]
  }

  statement {
    sid = "ReadTheBucketConfiguration"
    actions = [
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketLocation",
      "s3:GetBucketLogging",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketTagging",
      "s3:GetBucketVersioning",
      "s3:GetBucketWebsite",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:ListBucket",
    ]
    resources = [local.bucket_arn]
  }

  statement {
    sid = "ReadTheKeyConfiguration"
    actions = [
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
    ]
    resources = [local.keys_arn]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [var.environment]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.name_prefix]
    }
  }

  # ListAliases cannot be limited to a resource; it returns names and key ids only.
  statement {
    sid       = "FindTheKeyAlias"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }

  # The Cognito user pool, client, resource server and domain, when the environment has them
  # (cognito_user_pool); the pool id is random, so the pool is found by the roots' tags.
  statement {
    sid = "ReadTheUserPoolConfiguration"
    actions = [
      "cognito-idp:DescribeResourceServer",
      "cognito-idp:DescribeUserPool",
      "cognito-idp:DescribeUserPoolClient",
      "cognito-idp:GetUserPoolMfaConfig",
      "cognito-idp:ListTagsForResource",
    ]
    resources = [local.user_pools_arn]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [var.environment]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.name_prefix]
    }
  }

  # DescribeUserPoolDomain cannot be limited to a resource; it returns the domain's pool id and
  # distribution, no secret.
  statement {
    sid       = "ReadTheUserPoolDomain"
    actions   = ["cognito-idp:DescribeUserPoolDomain"]
    resources = ["*"]
  }

  statement {
    sid = "ReadTheServiceRoleAndPolicy"
    actions = [
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRole",
      "iam:ListAttachedRolePolicies",
      "iam:ListPolicyTags",
      "iam:ListPolicyVersions",
      "iam:ListRolePolicies",
      "iam:ListRoleTags",
    ]
    resources = [local.service_role_arn, local.service_policy_arn]
  }

  # The edge firewall, when the environment has one (waf_enabled), its log group and delivery policy.
  statement {
    sid       = "ReadTheWebAclConfiguration"
    actions   = ["wafv2:GetLoggingConfiguration", "wafv2:GetWebACL", "wafv2:ListTagsForResource"]
    resources = [local.web_acls_arn]
  }

  statement {
    sid       = "ReadTheFirewallLogGroupTags"
    actions   = ["logs:ListTagsForResource"]
    resources = [local.waf_log_group_arn]
  }

  # These two cannot be limited to a resource; they return log group settings (retention, key ARN)
  # and resource policies, never a log event.
  statement {
    sid       = "FindTheFirewallLogGroupAndItsDeliveryPolicy"
    actions   = ["logs:DescribeLogGroups", "logs:DescribeResourcePolicies"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadTheThrottlingAlarm"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
    resources = [local.throttle_alarm_arn]
  }

  statement {
    sid       = "ReadThePodIdentityAssociation"
    actions   = ["eks:DescribePodIdentityAssociation"]
    resources = [local.associations_arn]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [var.environment]
    }
  }
}
