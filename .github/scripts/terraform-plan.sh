#!/usr/bin/env bash
# Plans terraform/environments/ENVIRONMENT and saves the plan for the apply: OUTPUT_DIR receives
#   tfplan         the saved plan, the only thing the deploy job applies (terraform-apply.sh);
#   plan.txt       the same plan as text, what reviewers and the approver read;
#   tfplan.sha256  its SHA-256, which the deploy job checks before applying.
# The input variables come from TERRAFORM_TFVARS, a JSON object with one entry per environment
# ({"dev": {"aws_region": "...", ...}, "release": {...}, "prod": {...}}), written to
# ci.auto.tfvars.json (git-ignored; nothing account-specific is committed). A saved plan carries its
# variables, so the apply needs none. -lock=false: planning changes nothing, so the plan roles need
# no write access to the state; an apply of a plan whose state has changed since is refused by
# Terraform ("Saved plan is stale").
# Usage: terraform-plan.sh ENVIRONMENT OUTPUT_DIR   (run from the repository root)
set -euo pipefail

environment=${1:?usage: terraform-plan.sh ENVIRONMENT OUTPUT_DIR}
output=${2:?usage: terraform-plan.sh ENVIRONMENT OUTPUT_DIR}
directory=${TERRAFORM_ENVIRONMENTS_DIR:-terraform/environments}/$environment
[ -d "$directory" ] || { echo "no Terraform root at $directory" >&2; exit 1; }
: "${TERRAFORM_TFVARS:?TERRAFORM_TFVARS must hold the variables of every environment as JSON}"

tfvars=$(jq --arg environment "$environment" \
  'if (.[$environment] | type) == "object" then .[$environment]
   else error("TERRAFORM_TFVARS has no object for \($environment)") end' <<<"$TERRAFORM_TFVARS")

"$(dirname "$0")/terraform-init.sh" "$environment"
printf '%s\n' "$tfvars" >"$directory/ci.auto.tfvars.json"
mkdir -p "$output"
output=$(cd "$output" && pwd)
terraform -chdir="$directory" plan -input=false -no-color -lock=false -out="$output/tfplan"
terraform -chdir="$directory" show -no-color "$output/tfplan" >"$output/plan.txt"
sha256sum "$output/tfplan" | cut -d ' ' -f 1 >"$output/tfplan.sha256"
echo "saved plan $output/tfplan, sha256 $(cat "$output/tfplan.sha256")"
