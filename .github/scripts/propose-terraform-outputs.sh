#!/usr/bin/env bash
# Proposes what Terraform hands to the chart (the output helm_values of an environment's root) as
# deploy/environments/ENVIRONMENT/terraform-outputs.json, in a pull request from the branch
# terraform-outputs/ENVIRONMENT, when it differs from what main holds. Argo CD layers that file over
# the environment's values once the pull request is merged: Terraform's outputs reach the cluster
# through git, never through a --set at deploy time.
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> propose-terraform-outputs.sh ENVIRONMENT OUTPUTS_JSON
set -euo pipefail
# shellcheck source=.github/scripts/pull-requests.sh
source "$(dirname "$0")/pull-requests.sh"

environment=${1:?usage: propose-terraform-outputs.sh ENVIRONMENT OUTPUTS_JSON}
outputs=${2:?usage: propose-terraform-outputs.sh ENVIRONMENT OUTPUTS_JSON}
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
[[ "$environment" =~ ^(dev|release|prod)$ ]] || { echo "$environment is not an environment (dev, release, prod)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Sorted keys and a final newline: the same outputs always make the same file.
jq --sort-keys 'if type == "object" and has("config") then . else error("not the helm_values output: \(.)") end' \
  "$outputs" >"$work/terraform-outputs.json"

propose_file "terraform-outputs/$environment" "deploy/environments/$environment/terraform-outputs.json" "$work/terraform-outputs.json" \
  "Terraform outputs of $environment" \
  "What \`terraform/environments/$environment\` now hands to the chart (\`terraform output -json helm_values\`), written by workflow run ${GITHUB_SERVER_URL:-https://github.com}/$GH_REPO/actions/runs/${GITHUB_RUN_ID:-?}. Merging it rolls \`$environment\` out with these values (docs/delivery.md)."
