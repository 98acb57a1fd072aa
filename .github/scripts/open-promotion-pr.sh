#!/usr/bin/env bash
# Opens the pull request that promotes one stage to the next (dev -> release, release -> main),
# unless one is already open or there is nothing to promote. An open promotion PR follows its
# source branch by itself, so later pushes need no new PR. What happens when GitHub refuses the
# token: pull-requests.sh.
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> open-promotion-pr.sh SOURCE_BRANCH
set -euo pipefail
# shellcheck source=.github/scripts/pull-requests.sh
source "$(dirname "$0")/pull-requests.sh"

source_branch=${1:?usage: open-promotion-pr.sh SOURCE_BRANCH}
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
case "$source_branch" in
  dev) target_branch=release ;;
  release) target_branch=main ;;
  *) echo "$source_branch is not a promotion stage (dev or release)" >&2; exit 1 ;;
esac

ahead=$(gh api "repos/$GH_REPO/compare/$target_branch...$source_branch" --jq '.ahead_by')
if [ "$ahead" -eq 0 ]; then
  echo "$target_branch already contains everything in $source_branch; nothing to promote"
  exit 0
fi

existing=$(gh pr list --repo "$GH_REPO" --base "$target_branch" --head "$source_branch" --state open \
  --json url --jq '.[0].url // ""')
if [ -n "$existing" ]; then
  echo "promotion pull request already open: $existing"
  exit 0
fi

create_pull_request "$target_branch" "$source_branch" "Promote $source_branch to $target_branch" \
  "Promotes the $ahead commit(s) on \`$source_branch\`, deployed and smoke-tested there, to \`$target_branch\`. Merging deploys them from \`$target_branch\` (see docs/delivery.md)."
