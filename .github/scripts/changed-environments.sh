#!/usr/bin/env bash
# Prints, as a JSON array in promotion order, the environments whose folder under deploy/environments
# changed between two commits of the repository (GitHub's compare API); every environment when there
# is no earlier commit (a new branch).
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> changed-environments.sh BEFORE AFTER
set -euo pipefail

before=${1:?usage: changed-environments.sh BEFORE AFTER}
after=${2:?usage: changed-environments.sh BEFORE AFTER}
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
if [[ "$before" =~ ^0+$ ]]; then
  echo '["dev","release","prod"]'
  exit 0
fi
gh api "repos/$GH_REPO/compare/$before...$after" --jq '[.files[].filename]' |
  jq --compact-output '[("dev", "release", "prod") as $environment
    | select(any(.[]; startswith("deploy/environments/\($environment)/"))) | $environment]'
