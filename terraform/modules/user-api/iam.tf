# Exactly the calls the service makes (src/users, src/avatars, src/health), on exactly its resources.
data "aws_iam_policy_document" "service" {
  statement {
    sid = "ReadAndWriteUserItems"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.users.arn]
  }

  statement {
    sid       = "PageThroughUsersIndex"
    actions   = ["dynamodb:Scan"]
    resources = ["${aws_dynamodb_table.users.arn}/index/users-by-id"]
  }

  # PutObject for presigned uploads, GetObject for presigned downloads and HeadObject.
  statement {
    sid       = "ManageAvatarObjects"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.avatars.arn}/${local.avatar_key_prefix}*"]
  }

  # Without ListBucket, HeadObject on an avatar that is not uploaded yet answers 403 instead of 404
  # and the service could not tell "pending" from "forbidden". Listing is limited to the prefix
  # whenever a prefix is given.
  statement {
    sid       = "SeeMissingAvatarsAsNotFound"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.avatars.arn]
    condition {
      test     = "StringLikeIfExists"
      variable = "s3:prefix"
      values   = ["${local.avatar_key_prefix}*"]
    }
  }

  # S3 (SSE-KMS uploads and downloads) and DynamoDB (its table key) call GenerateDataKey and Decrypt
  # on the caller's behalf; nothing the service does needs kms:Encrypt.
  statement {
    sid       = "UseTheKeyThroughS3AndDynamoDB"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_services
    }
  }
}

resource "aws_iam_policy" "service" {
  name        = "${var.name}-service"
  description = "Least-privilege access of the ${var.name} service to its table, avatar prefix and key"
  policy      = data.aws_iam_policy_document.service.json
  tags        = var.tags
}

locals {
  # arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>
  oidc_issuer = var.eks_oidc_provider_arn == null ? null : element(split(":oidc-provider/", var.eks_oidc_provider_arn), 1)
}

data "aws_iam_policy_document" "irsa_trust" {
  count = var.workload_identity == "irsa" ? 1 : 0

  statement {
    sid     = "ServiceAccountAssumesRoleWithWebIdentity"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.kubernetes_namespace}:${var.kubernetes_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

# EKS Pod Identity tags every session with the cluster, namespace and service account it serves.
data "aws_iam_policy_document" "pod_identity_trust" {
  count = var.workload_identity == "pod_identity" ? 1 : 0

  statement {
    sid     = "PodIdentityAssumesRoleForServiceAccount"
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks-cluster-name"
      values   = [var.eks_cluster_name]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-namespace"
      values   = [var.kubernetes_namespace]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-service-account"
      values   = [var.kubernetes_service_account]
    }
  }
}

resource "aws_iam_role" "service" {
  count                = var.workload_identity == "none" ? 0 : 1
  name                 = "${var.name}-service"
  description          = "Assumed by the ${var.kubernetes_namespace}/${var.kubernetes_service_account} service account of ${var.name}"
  assume_role_policy   = var.workload_identity == "irsa" ? data.aws_iam_policy_document.irsa_trust[0].json : data.aws_iam_policy_document.pod_identity_trust[0].json
  permissions_boundary = var.iam_role_permissions_boundary_arn
  tags                 = var.tags

  # A presigned URL dies with the session that signed it. The service asks for web identity sessions
  # of twice its longest URL lifetime (src/aws/credentials.ts) so every URL gets its full lifetime;
  # 12 hours is STS's ceiling, so any lifetime the service accepts fits. Sessions nobody asks to
  # lengthen stay at STS's one hour.
  max_session_duration = 43200
}

resource "aws_iam_role_policy_attachment" "service" {
  count      = var.workload_identity == "none" ? 0 : 1
  role       = aws_iam_role.service[0].name
  policy_arn = aws_iam_policy.service.arn
}

resource "aws_eks_pod_identity_association" "service" {
  count           = var.workload_identity == "pod_identity" ? 1 : 0
  cluster_name    = var.eks_cluster_name
  namespace       = var.kubernetes_namespace
  service_account = var.kubernetes_service_account
  role_arn        = aws_iam_role.service[0].arn
  tags            = var.tags
}
