#!/usr/bin/env bash
# Applies exactly the saved plan that was reviewed: PLAN_FILE must have the SHA-256 the plan job
# recorded next to the plan the approver read, or nothing is applied. It never plans again; if the
# state has changed since the plan was made, Terraform refuses the stale plan, and a new run plans
# afresh. Run terraform-init.sh ENVIRONMENT first (same lock file, same backend).
# Usage: terraform-apply.sh ENVIRONMENT PLAN_FILE EXPECTED_SHA256   (run from the repository root)
set -euo pipefail

environment=${1:?usage: terraform-apply.sh ENVIRONMENT PLAN_FILE EXPECTED_SHA256}
plan=${2:?usage: terraform-apply.sh ENVIRONMENT PLAN_FILE EXPECTED_SHA256}
expected=${3:-}
directory=${TERRAFORM_ENVIRONMENTS_DIR:-terraform/environments}/$environment
[ -d "$directory" ] || { echo "no Terraform root at $directory" >&2; exit 1; }
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || { echo "::error title=No plan checksum::expected a SHA-256 of the reviewed plan, got '$expected'; nothing applied" >&2; exit 1; }
[ -f "$plan" ] || { echo "::error title=No saved plan::$plan does not exist; nothing applied" >&2; exit 1; }

actual=$(sha256sum "$plan" | cut -d ' ' -f 1)
if [ "$actual" != "$expected" ]; then
  echo "::error title=Plan changed::$plan has SHA-256 $actual, but the reviewed plan had $expected; nothing applied" >&2
  exit 1
fi
plan=$(cd "$(dirname "$plan")" && pwd)/$(basename "$plan")
terraform -chdir="$directory" apply -input=false -no-color "$plan"
