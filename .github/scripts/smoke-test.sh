#!/usr/bin/env bash
# Smoke test of a deployed user-api: it is ready, it refuses a request without a key, and it
# answers an authenticated one.
# Usage: API_KEY=<key> smoke-test.sh BASE_URL
set -euo pipefail

base_url=${1:?usage: API_KEY=<key> smoke-test.sh BASE_URL}
: "${API_KEY:?API_KEY must hold a key the deployment accepts}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The key goes to curl through a file, never on a command line other processes can read.
(umask 077 && printf 'X-API-Key: %s\n' "$API_KEY" >"$work/api-key-header")

# Right after a rollout the Service may still be gaining endpoints: retry readiness briefly.
curl --silent --show-error --fail --max-time 5 --retry 10 --retry-delay 3 --retry-all-errors \
  --output /dev/null "$base_url/readyz"
echo "GET /readyz: ready"

status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "$base_url/users?limit=1")
if [ "$status" != 401 ]; then
  echo "GET /users without an API key answered $status, expected 401" >&2
  exit 1
fi
echo "GET /users without an API key: 401"

status=$(curl --silent --show-error --max-time 10 --header "@$work/api-key-header" \
  --output "$work/body" --write-out '%{http_code}' "$base_url/users?limit=1")
if [ "$status" != 200 ] || ! jq --exit-status 'type == "array"' "$work/body" >/dev/null; then
  echo "GET /users with the API key answered $status, expected 200 and a JSON array" >&2
  exit 1
fi
echo "GET /users with the API key: 200"
