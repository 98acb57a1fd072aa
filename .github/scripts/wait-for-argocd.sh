#!/usr/bin/env bash
# Waits until Argo CD reports APPLICATION Synced and Healthy at REVISION, or at a later commit of main
# that contains it, with its last sync operation (PostSync readiness check included) succeeded. Fails
# at once when that sync fails or the application turns Degraded there, and after TIMEOUT_SECONDS
# otherwise, printing what Argo CD last said. --sync first starts a sync (prod, whose Application
# never syncs by itself). Talks to Argo CD's API with curl and a project token
# (deploy/argocd/project.yaml: ci-observer reads, ci-prod-sync may also sync prod); asks GitHub's
# compare API (gh) whether a newer revision contains REVISION.
# Usage: ARGOCD_SERVER=<host or URL> ARGOCD_AUTH_TOKEN=<token> [GH_REPO=<owner/name>] \
#          wait-for-argocd.sh [--sync] APPLICATION REVISION TIMEOUT_SECONDS
set -euo pipefail

usage="usage: wait-for-argocd.sh [--sync] APPLICATION REVISION TIMEOUT_SECONDS"
sync=false
if [ "${1:-}" = --sync ]; then
  sync=true
  shift
fi
application=${1:?$usage}
revision=${2:?$usage}
timeout=${3:?$usage}
[[ "$application" =~ ^[a-z0-9-]+$ ]] || { echo "$application is not an Application name" >&2; exit 1; }
[[ "$revision" =~ ^[0-9a-f]{40}$ ]] || { echo "the revision must be a full commit SHA, not '$revision'" >&2; exit 1; }
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "the timeout must be a number of seconds, not '$timeout'" >&2; exit 1; }
: "${ARGOCD_SERVER:?ARGOCD_SERVER must name the Argo CD API server (host or URL)}"
: "${ARGOCD_AUTH_TOKEN:?ARGOCD_AUTH_TOKEN must hold an Argo CD project token (deploy/argocd/project.yaml)}"
server=${ARGOCD_SERVER%/}
[[ "$server" == *://* ]] || server="https://$server"
poll=${POLL_SECONDS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The token goes to curl through a file, never on a command line other processes can read.
(umask 077 && printf 'Authorization: Bearer %s\n' "$ARGOCD_AUTH_TOKEN" >"$work/authorization")

# api METHOD PATH [JSON_BODY]: the response body on stdout. Exit 2 when Argo CD refuses (4xx: a
# wrong token, server or name, which waiting cannot fix), 1 when it cannot be reached or fails.
api() {
  local method=$1 path=$2 body=${3:-} status
  local arguments=(--silent --show-error --max-time 30 --request "$method" --header "@$work/authorization"
    --output "$work/response" --write-out '%{http_code}')
  [ -n "$body" ] && arguments+=(--header 'Content-Type: application/json' --data "$body")
  status=$(curl "${arguments[@]}" "$server$path") || return 1
  if [ "$status" -ge 400 ]; then
    echo "Argo CD answered $status to $method $path: $(head -c 500 "$work/response")" >&2
    [ "$status" -lt 500 ] && return 2
    return 1
  fi
  cat "$work/response"
}

# contains COMMIT: whether COMMIT is REVISION or a later commit that includes it.
contains() {
  local commit=$1 status
  [ "$commit" = "$revision" ] && return 0
  [ -n "$commit" ] && [ -n "${GH_REPO:-}" ] || return 1
  status=$(gh api "repos/$GH_REPO/compare/$revision...$commit" --jq '.status' 2>/dev/null) || return 1
  [ "$status" = ahead ] || [ "$status" = identical ]
}

if $sync; then
  status=0
  api POST "/api/v1/applications/$application/sync" '{"prune": true}' >/dev/null 2>"$work/sync-error" || status=$?
  if [ "$status" -ne 0 ] && ! grep -q 'another operation is already in progress' "$work/sync-error"; then
    cat "$work/sync-error" >&2
    echo "::error title=Argo CD::could not start the sync of $application"
    exit 1
  fi
  echo "sync of $application started"
fi

deadline=$((SECONDS + timeout))
# The first read asks Argo CD to look at git now instead of at its next poll (up to 3 minutes).
query="?refresh=normal"
state="no answer from Argo CD yet"
while true; do
  status=0
  app=$(api GET "/api/v1/applications/$application$query") || status=$?
  if [ "$status" -eq 2 ]; then
    echo "::error title=Argo CD::Argo CD refused to show $application; check ARGOCD_SERVER and the token's project role"
    exit 1
  fi
  if [ "$status" -eq 0 ]; then
    query=""
    IFS=$'\t' read -r sync_status synced health phase operation_revision < <(jq -r '[
        .status.sync.status // "Unknown", .status.sync.revision // "",
        .status.health.status // "Unknown", .status.operationState.phase // "",
        .status.operationState.syncResult.revision // .status.operationState.operation.sync.revision // ""
      ] | @tsv' <<<"$app")
    message=$(jq -r '.status.operationState.message // ""' <<<"$app")
    state="sync $sync_status at ${synced:0:12}, health $health, last operation ${phase:-none} at ${operation_revision:0:12}"
    echo "$(date -u +%H:%M:%S) $application: $state"
    if [[ "$phase" =~ ^(Failed|Error)$ ]] && contains "$operation_revision"; then
      echo "::error title=Argo CD::the sync of $application to ${operation_revision:0:12} failed: $message"
      exit 1
    fi
    if [ "$sync_status" = Synced ] && contains "$synced"; then
      if [ "$health" = Degraded ]; then
        echo "::error title=Argo CD::$application is Degraded at ${synced:0:12}"
        exit 1
      fi
      if [ "$health" = Healthy ] && { [ "$phase" = Succeeded ] || [ -z "$phase" ]; }; then
        echo "$application is Synced and Healthy at ${synced:0:12}, which contains ${revision:0:12}"
        exit 0
      fi
    fi
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "::error title=Argo CD::$application did not become Synced and Healthy at ${revision:0:12} within $timeout s; last: $state"
    exit 1
  fi
  sleep "$poll"
done
