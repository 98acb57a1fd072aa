#!/usr/bin/env bash
# Opens (or refreshes) the pull request that promotes one environment's image to the next: it copies
# deploy/environments/FROM/image.yaml, as checked out, over the next environment's (dev -> release,
# release -> prod) on the branch promote/<next>, made afresh from main's head, and changes nothing
# else. The Rollout workflow runs it once FROM is Synced and Healthy at that commit; merging the pull
# request is the promotion (docs/delivery.md). What happens when GitHub refuses the token:
# pull-requests.sh.
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> open-promotion-pr.sh FROM   (run from the repository root)
set -euo pipefail
# shellcheck source=.github/scripts/pull-requests.sh
source "$(dirname "$0")/pull-requests.sh"

from=${1:?usage: open-promotion-pr.sh FROM}
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
case "$from" in
  dev) to=release ;;
  release) to=prod ;;
  *) echo "$from is not a promotion stage (dev or release)" >&2; exit 1 ;;
esac
source_file="deploy/environments/$from/image.yaml"
[ -f "$source_file" ] || { echo "$source_file is missing" >&2; exit 1; }
image=$(grep -E '^\s*(tag|digest):' "$source_file" | tr -s ' ' | paste -sd ' ')

propose_file "promote/$to" "deploy/environments/$to/image.yaml" "$source_file" "Promote $from's image to $to" \
  "Copies \`$source_file\` to \`deploy/environments/$to/image.yaml\` ($image): the image Argo CD reports Synced and Healthy in \`$from\`. Merging it rolls \`$to\` out (see docs/delivery.md); nothing else changes."
