#!/usr/bin/env bash
# Prepares terraform/environments/ENVIRONMENT the same way for the pull-request plan and for the
# deployment, so that the plan shown on a pull request is the plan that gets applied:
#   - its input variables, taken from TERRAFORM_TFVARS, a JSON object with one entry per
#     environment ({"dev": {"aws_region": "...", ...}, "release": {...}, "prod": {...}}), written to
#     ci.auto.tfvars.json (git-ignored, nothing account-specific is committed);
#   - `terraform init` against the remote state from terraform/bootstrap (bucket, region, KMS key).
# Usage: terraform-init.sh ENVIRONMENT   (run from the repository root)
set -euo pipefail

environment=${1:?usage: terraform-init.sh ENVIRONMENT}
directory=terraform/environments/$environment
[ -d "$directory" ] || { echo "no Terraform root at $directory" >&2; exit 1; }
: "${TERRAFORM_TFVARS:?TERRAFORM_TFVARS must hold the variables of every environment as JSON}"
: "${TERRAFORM_STATE_BUCKET:?TERRAFORM_STATE_BUCKET must name the state bucket (terraform/bootstrap output)}"
: "${TERRAFORM_STATE_REGION:?TERRAFORM_STATE_REGION must name the region of the state bucket}"
: "${TERRAFORM_STATE_KMS_KEY_ID:?TERRAFORM_STATE_KMS_KEY_ID must name the state key (terraform/bootstrap output)}"

tfvars=$(jq --arg environment "$environment" \
  'if (.[$environment] | type) == "object" then .[$environment]
   else error("TERRAFORM_TFVARS has no object for \($environment)") end' <<<"$TERRAFORM_TFVARS")
printf '%s\n' "$tfvars" >"$directory/ci.auto.tfvars.json"

terraform -chdir="$directory" init -input=false -no-color \
  -backend-config="bucket=$TERRAFORM_STATE_BUCKET" \
  -backend-config="region=$TERRAFORM_STATE_REGION" \
  -backend-config="kms_key_id=$TERRAFORM_STATE_KMS_KEY_ID"
