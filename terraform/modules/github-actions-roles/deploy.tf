# What every Terraform apply needs besides changing the resources (deploy_policy_arns): the state of
# its environment, read and written under its lock object. Nothing in the cluster: Argo CD deploys
# the chart from git (deploy/), so no pipeline role holds cluster credentials.

data "aws_iam_policy_document" "deploy_state" {
  statement {
    sid       = "ReadAndWriteTheState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.state_object_arn]
  }

  # Terraform >= 1.11 locks with <state key>.tflock next to the state (use_lockfile = true).
  statement {
    sid       = "TakeAndReleaseTheStateLock"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${local.state_object_arn}.tflock"]
  }

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
    sid       = "UseTheStateKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.state_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.state_via_s3]
    }
  }
}
