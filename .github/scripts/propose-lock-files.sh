#!/usr/bin/env bash
# Proposes the lock files written by terraform-lock-files.sh in a pull request into BASE_BRANCH,
# from the branch terraform-lock-files (replaced on every run), unless they are already committed
# as they are. The push authenticates with GH_TOKEN through the environment, never on a command line.
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> propose-lock-files.sh BASE_BRANCH
set -euo pipefail
# shellcheck source=.github/scripts/pull-requests.sh
source "$(dirname "$0")/pull-requests.sh"

base_branch=${1:?usage: propose-lock-files.sh BASE_BRANCH}
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
: "${GH_TOKEN:?GH_TOKEN must allow pushing a branch and opening a pull request}"
branch=terraform-lock-files

mapfile -t lock_files < <(find terraform -name .terraform.lock.hcl -not -path '*/.terraform/*' | sort)
[ "${#lock_files[@]}" -gt 0 ] || { echo "no .terraform.lock.hcl found; run terraform-lock-files.sh first" >&2; exit 1; }
git add -- "${lock_files[@]}"
if git diff --cached --quiet; then
  echo "the lock files on $base_branch are current; nothing to propose"
  exit 0
fi

git -c user.name='github-actions[bot]' -c user.email='41898282+github-actions[bot]@users.noreply.github.com' \
  commit --quiet --message "Terraform provider lock files for every root and platform (terraform providers lock)"
GIT_CONFIG_COUNT=1 \
  GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader" \
  GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 -w0)" \
  git push --force --quiet origin "HEAD:refs/heads/$branch"

existing=$(gh pr list --repo "$GH_REPO" --base "$base_branch" --head "$branch" --state open --json url --jq '.[0].url // ""')
if [ -n "$existing" ]; then
  echo "lock files updated in the open pull request $existing"
  exit 0
fi
create_pull_request "$base_branch" "$branch" "Terraform provider lock files" \
  "Written by \`terraform providers lock\` for linux_amd64, linux_arm64, darwin_amd64 and darwin_arm64 (workflow run $GITHUB_SERVER_URL/$GH_REPO/actions/runs/${GITHUB_RUN_ID:-?}). Once merged, every plan and apply uses exactly these provider builds; without them deployments refuse to start (docs/delivery.md)."
