#!/usr/bin/env bash
# Initialises terraform/environments/ENVIRONMENT the same way for every plan and every apply:
# against the remote state from terraform/bootstrap (bucket, region, KMS key), and only with the
# provider builds recorded in its committed .terraform.lock.hcl. Without that file, or with one
# that lacks what this configuration needs, it stops: a plan or an apply never runs with providers
# nobody reviewed. The lock files come from the "Terraform lock files" workflow (docs/delivery.md).
# Usage: terraform-init.sh ENVIRONMENT   (run from the repository root; TERRAFORM_ENVIRONMENTS_DIR
# moves the roots, for tests)
set -euo pipefail

environment=${1:?usage: terraform-init.sh ENVIRONMENT}
directory=${TERRAFORM_ENVIRONMENTS_DIR:-terraform/environments}/$environment
[ -d "$directory" ] || { echo "no Terraform root at $directory" >&2; exit 1; }
if [ ! -f "$directory/.terraform.lock.hcl" ]; then
  echo "::error title=No provider lock file::$directory/.terraform.lock.hcl is missing. Run the \"Terraform lock files\" workflow (Actions -> Terraform lock files -> Run workflow) and merge its pull request; plans and applies refuse to pick provider builds by themselves." >&2
  exit 1
fi
: "${TERRAFORM_STATE_BUCKET:?TERRAFORM_STATE_BUCKET must name the state bucket (terraform/bootstrap output)}"
: "${TERRAFORM_STATE_REGION:?TERRAFORM_STATE_REGION must name the region of the state bucket}"
: "${TERRAFORM_STATE_KMS_KEY_ID:?TERRAFORM_STATE_KMS_KEY_ID must name the state key (terraform/bootstrap output)}"

# -lockfile=readonly: a provider or platform missing from the lock file is an error, not an update.
terraform -chdir="$directory" init -input=false -no-color -lockfile=readonly \
  -backend-config="bucket=$TERRAFORM_STATE_BUCKET" \
  -backend-config="region=$TERRAFORM_STATE_REGION" \
  -backend-config="kms_key_id=$TERRAFORM_STATE_KMS_KEY_ID"
