# Server access logs go to an existing central bucket when access_log_bucket_name is set; object-level
# (data event) logging belongs to the organisation's CloudTrail, which this module does not own.
#trivy:ignore:aws-s3-enable-logging
#trivy:ignore:aws-s3-enable-object-read-logging
#trivy:ignore:aws-s3-enable-object-write-logging
resource "aws_s3_bucket" "avatars" {
  bucket        = local.avatar_bucket_name
  force_destroy = var.force_destroy_avatar_bucket
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "avatars" {
  bucket                  = aws_s3_bucket.avatars.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: the account owns every object, whoever uploaded it.
resource "aws_s3_bucket_ownership_controls" "avatars" {
  bucket = aws_s3_bucket.avatars.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "avatars" {
  bucket = aws_s3_bucket.avatars.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    # One data key per bucket instead of one KMS request per object: cheaper and far fewer KMS calls.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "avatars" {
  bucket = aws_s3_bucket.avatars.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "avatars" {
  bucket = aws_s3_bucket.avatars.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = var.incomplete_upload_expiry_days
    }
  }

  # DELETE /users/{id} deletes the current avatar; versioning keeps the old bytes only this long.
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_avatar_retention_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.avatars]
}

# Browsers upload with the presigned POST form or PUT URL and may fetch the presigned GET URL.
resource "aws_s3_bucket_cors_configuration" "avatars" {
  count  = length(var.cors_allowed_origins) > 0 ? 1 : 0
  bucket = aws_s3_bucket.avatars.id

  cors_rule {
    id              = "browser-avatar-transfers"
    allowed_methods = ["GET", "POST", "PUT"]
    allowed_origins = var.cors_allowed_origins
    allowed_headers = ["content-type", "x-amz-*"]
    expose_headers  = ["ETag"]
    max_age_seconds = var.cors_max_age_seconds
  }
}

resource "aws_s3_bucket_logging" "avatars" {
  count         = var.access_log_bucket_name == null ? 0 : 1
  bucket        = aws_s3_bucket.avatars.id
  target_bucket = var.access_log_bucket_name
  target_prefix = "${local.avatar_bucket_name}/"
}

resource "aws_s3_bucket_policy" "avatars" {
  bucket = aws_s3_bucket.avatars.id
  policy = data.aws_iam_policy_document.avatars_bucket.json

  # S3 rejects a policy while the public access block is still being applied.
  depends_on = [aws_s3_bucket_public_access_block.avatars]
}

data "aws_iam_policy_document" "avatars_bucket" {
  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.avatars.arn, "${aws_s3_bucket.avatars.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid    = "DenyOutdatedTls"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.avatars.arn, "${aws_s3_bucket.avatars.arn}/*"]
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  # Every upload must ask for SSE-KMS with this key (the service's POST form always does). With the
  # IfExists operators a missing header counts as a mismatch, so these two statements also refuse
  # uploads without encryption headers, aws:kms without a key id (which would use the AWS managed
  # key), SSE-S3 and DSSE-KMS; test/terraform/policy-simulation.test.ts shows which refuses what.
  statement {
    sid    = "DenyUploadsWithAnotherKmsKey"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.avatars.arn}/*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = [aws_kms_key.this.arn]
    }
  }

  statement {
    sid    = "DenyUploadsWithAnotherEncryption"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.avatars.arn}/*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }

  statement {
    sid    = "DenyUploadsWithCustomerProvidedKeys"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.avatars.arn}/*"]
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption-customer-algorithm"
      values   = ["false"]
    }
  }
}
