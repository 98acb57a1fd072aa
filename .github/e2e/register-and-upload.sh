#!/usr/bin/env bash
# Walks the avatar flow the way a client does, against a running API and its real S3 endpoint:
# register a user, check that S3 refuses a file over the signed size limit, upload an avatar with
# the returned presigned form (or URL), wait until the avatar shows up, download it and compare
# the bytes, then delete the user.
# Usage: API_KEY=<key> register-and-upload.sh BASE_URL
#   EXPECT_SIZE_LIMIT=false skips the oversize check (for S3 emulators that do not enforce policies).
set -euo pipefail

base_url=${1:?usage: API_KEY=<key> register-and-upload.sh BASE_URL}
: "${API_KEY:?API_KEY must hold a key the API accepts}"
expect_size_limit=${EXPECT_SIZE_LIMIT:-true}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The key goes to curl through a file, never on a command line other processes can read.
(umask 077 && printf 'X-API-Key: %s\n' "$API_KEY" >"$work/api-key-header")

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The API's problem details explain a failed request.
fail_with_body() {
  echo "FAIL: $*" >&2
  cat "$work/body" >&2
  exit 1
}

# api METHOD PATH [curl arguments...]: prints the status code; the body lands in $work/body.
api() {
  local method=$1 path=$2
  shift 2
  curl --silent --show-error --max-time 15 --request "$method" --header "@$work/api-key-header" \
    --output "$work/body" --write-out '%{http_code}' "$@" "$base_url$path"
}

# upload FILE: sends FILE the way avatar_upload says; prints S3's status code.
upload() {
  local file=$1 method url
  local -a arguments=()
  method=$(jq -r '.avatar_upload.method' "$work/registration")
  url=$(jq -r '.avatar_upload.url' "$work/registration")
  if [ "$method" = POST ]; then
    while IFS= read -r -d '' field; do
      arguments+=(--form-string "$field")
    done < <(jq -j '.avatar_upload.fields // {} | to_entries[] | "\(.key)=\(.value)\u0000"' "$work/registration")
    # S3 takes the file from the last part of the form, after the signed policy fields.
    arguments+=(--form "file=@$file;type=image/png")
  else
    while IFS= read -r -d '' header; do
      arguments+=(--header "$header")
    done < <(jq -j '.avatar_upload.headers // {} | to_entries[] | "\(.key): \(.value)\u0000"' "$work/registration")
    arguments+=(--request PUT --upload-file "$file")
  fi
  curl --silent --show-error --max-time 30 --output "$work/upload-response" --write-out '%{http_code}' \
    "${arguments[@]}" "$url"
}

email="e2e-$(date +%s)-$RANDOM@example.com"
status=$(api POST /user --header 'Content-Type: application/json' \
  --data "{\"name\": \"End To End\", \"email\": \"$email\", \"avatar_content_type\": \"image/png\"}")
[ "$status" = 201 ] || fail_with_body "POST /user answered $status, expected 201"
cp "$work/body" "$work/registration"
user_id=$(jq -r '.user.id' "$work/registration")
max_bytes=$(jq -r '.avatar_upload.max_bytes' "$work/registration")
method=$(jq -r '.avatar_upload.method' "$work/registration")
echo "registered user $user_id; upload by $method, at most $max_bytes bytes"

if [ "$expect_size_limit" = true ] && [ "$method" = POST ]; then
  head -c "$((max_bytes + 1))" /dev/zero >"$work/too-big.png"
  status=$(upload "$work/too-big.png")
  case "$status" in
    4??) echo "S3 refused an avatar of $((max_bytes + 1)) bytes with $status, as signed" ;;
    *) fail "S3 accepted an avatar over the size limit (status $status)" ;;
  esac
fi

# A PNG signature followed by random bytes: S3 and the API never look inside.
{ printf '\211PNG\r\n\032\n'; head -c 2048 /dev/urandom; } >"$work/avatar.png"
status=$(upload "$work/avatar.png")
case "$status" in
  2??) echo "avatar uploaded ($status)" ;;
  *)
    cat "$work/upload-response" >&2
    fail "avatar upload answered $status"
    ;;
esac

avatar_url=null
for attempt in $(seq 1 20); do
  status=$(api GET "/users/$user_id")
  [ "$status" = 200 ] || fail_with_body "GET /users/$user_id answered $status"
  avatar_url=$(jq -r '.avatar_url' "$work/body")
  [ "$avatar_url" != null ] && break
  echo "avatar not visible yet (attempt $attempt)"
  sleep 1
done
[ "$avatar_url" != null ] || fail "the avatar never showed up in GET /users/$user_id"

curl --silent --show-error --fail --max-time 30 --output "$work/downloaded.png" "$avatar_url"
cmp --silent "$work/avatar.png" "$work/downloaded.png" || fail "the downloaded avatar differs from the upload"
echo "avatar downloaded through avatar_url and identical to the upload"

status=$(api DELETE "/users/$user_id")
[ "$status" = 204 ] || fail_with_body "DELETE /users/$user_id answered $status, expected 204"
status=$(api GET "/users/$user_id")
[ "$status" = 404 ] || fail "GET /users/$user_id after deletion answered $status, expected 404"
echo "user deleted"
