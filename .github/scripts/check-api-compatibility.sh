#!/usr/bin/env bash
# Fails a pull request whose OpenAPI document breaks clients written against the target branch's
# document (scripts/breaking-changes.ts lists what breaks), unless the pull request carries the
# `breaking-change` label. The labels are read when the job runs, so adding the label and
# re-running the job is enough.
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> PR_NUMBER=<n> check-api-compatibility.sh BASE_DOCUMENT HEAD_DOCUMENT
set -euo pipefail

base_document=${1:?usage: check-api-compatibility.sh BASE_DOCUMENT HEAD_DOCUMENT}
head_document=${2:?usage: check-api-compatibility.sh BASE_DOCUMENT HEAD_DOCUMENT}
: "${PR_NUMBER:?PR_NUMBER must be the pull request number}"
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
label=breaking-change

status=0
node --import tsx scripts/breaking-changes.ts "$base_document" "$head_document" || status=$?
if [ "$status" -eq 0 ]; then
  exit 0
fi
# 3 is "something breaks"; any other failure is the comparison's own and no label excuses it.
if [ "$status" -ne 3 ]; then
  echo "::error title=API breaking changes::The comparison itself failed (exit $status)."
  exit "$status"
fi

if gh pr view "$PR_NUMBER" --repo "$GH_REPO" --json labels --jq '.labels[].name' | grep -qxF "$label"; then
  echo "::warning title=API breaking changes::Allowed by the $label label; say in the release notes what clients must change."
  exit 0
fi
echo "::error title=API breaking changes::This pull request breaks API clients (listed above). Make the change compatible, or label the pull request $label and re-run this job."
exit 1
