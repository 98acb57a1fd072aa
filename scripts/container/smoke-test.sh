#!/usr/bin/env bash
# Builds the real Dockerfile with buildah and proves the image works: it starts in production mode
# against DynamoDB and S3 emulators on 127.0.0.1, answers /readyz with 200, serves one real
# authenticated request (POST /user, then GET /users), serves the web page with its CSP, writes
# nothing outside /tmp, and exits 0 on SIGTERM. No registry is reachable here, so the base image
# is a TEST-ONLY stand-in assembled by build-base-image.sh (see charts/user-api/README.md).
#
# Usage: scripts/container/smoke-test.sh        (as root; needs buildah, debootstrap, curl, npm ci done)
# Environment:
#   CONTAINER_STATE_DIR  buildah storage to use and keep (the stand-in base is then built only once);
#                        by default a temporary one that is removed at the end
#   KEEP_IMAGE=1         keep the built image localhost/user-api:smoke in CONTAINER_STATE_DIR
#   REUSE_IMAGE=1        skip the build when that image is already there (iterating on this script)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/user-api-smoke.XXXXXX)
owns_state_dir=false
if [ -z "${CONTAINER_STATE_DIR:-}" ]; then
  CONTAINER_STATE_DIR=$work/containers
  owns_state_dir=true
fi
export CONTAINER_STATE_DIR
# shellcheck source=scripts/container/buildah-env.sh
. "$repo/scripts/container/buildah-env.sh"

image=localhost/user-api:smoke
container=
app_runner_pid=
emulators_pid=

log() { printf '[smoke] %s\n' "$*"; }
fail() { printf '[smoke] FAIL: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local status=$?
  set +e
  if [ -n "$app_runner_pid" ] && kill -0 "$app_runner_pid" 2>/dev/null; then
    # SIGTERM to `buildah run` ends the app inside it as well.
    kill -TERM "$app_runner_pid" 2>/dev/null
    wait "$app_runner_pid" 2>/dev/null
  fi
  if [ -n "$emulators_pid" ] && kill -0 "$emulators_pid" 2>/dev/null; then
    kill -TERM "$emulators_pid"
    wait "$emulators_pid" 2>/dev/null
  fi
  if [ -n "$container" ]; then
    buildah_in_state_dir umount "$container" >/dev/null 2>&1
    buildah_in_state_dir rm "$container" >/dev/null 2>&1
  fi
  if [ "$owns_state_dir" = true ]; then
    buildah_in_state_dir rm --all >/dev/null 2>&1
    buildah_in_state_dir rmi --all --force >/dev/null 2>&1
  elif [ "${KEEP_IMAGE:-}" != 1 ]; then
    buildah_in_state_dir rmi "$image" >/dev/null 2>&1
  fi
  if [ "$status" -ne 0 ] && [ -s "$work/app.log" ]; then
    echo "--- last lines of the app's output:" >&2
    tail -n 40 "$work/app.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'
}

# Every process below the given one, depth first.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1"); do
    echo "$child"
    descendants "$child"
  done
}

http_status() {
  curl -s -o "$work/body" -w '%{http_code}' --max-time 5 "$@" || true
}

# --- 1. base image (test-only stand-in) ---------------------------------------------------------
base_image=$(fully_qualified_image "$(dockerfile_base_image "$repo/Dockerfile")")
if buildah_in_state_dir inspect --type image "$base_image" >/dev/null 2>&1; then
  log "stand-in base $base_image already present"
else
  started=$(date +%s)
  "$repo/scripts/container/build-base-image.sh" "$repo/Dockerfile" | sed 's/^/[base] /'
  log "stand-in base assembled in $(elapsed_since "$started") s"
fi

# --- 2. build the real Dockerfile ---------------------------------------------------------------
# npm inside the build must trust the same CAs as the host (outgoing HTTPS may pass a proxy with
# its own CA). A folder is mounted over /usr/local/etc, npm's global config folder: mounting a
# single file would leave an empty placeholder file in the layer.
mkdir -p "$work/npm-etc"
host_cafile=$(npm config get cafile 2>/dev/null || true)
[ -f "$host_cafile" ] || host_cafile=/etc/ssl/certs/ca-certificates.crt
cp "$host_cafile" "$work/npm-etc/ca-certificates.crt"
printf 'cafile=/usr/local/etc/ca-certificates.crt\nupdate-notifier=false\n' >"$work/npm-etc/npmrc"

started=$(date +%s)
revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
if [ "${REUSE_IMAGE:-}" = 1 ] && buildah_in_state_dir inspect --type image "$image" >/dev/null 2>&1; then
  log "reusing the existing $image"
else
  buildah_in_state_dir bud --pull=never --layers=false --force-rm --quiet \
    -v "$work/npm-etc:/usr/local/etc:ro" \
    --build-arg VERSION=0.0.0-smoke --build-arg REVISION="$revision" \
    -f "$repo/Dockerfile" -t "$image" "$repo" >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log" >&2
    fail "image build failed"
  }
  log "image built in $(elapsed_since "$started") s ($(buildah_in_state_dir images --format '{{.Size}}' "$image"))"
fi

# --- 3. image configuration ---------------------------------------------------------------------
# buildah 1.28's --format has no json function, so the whole description is parsed.
config=$(buildah_in_state_dir inspect --type image "$image" | node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(0, "utf8")).OCIv1.config))')
check_config() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const config = JSON.parse(process.argv[1])
    const problems = []
    if (!/^[1-9][0-9]*:[1-9][0-9]*$/.test(config.User ?? "")) problems.push(`User ${config.User} is not a numeric non-root uid:gid`)
    if (JSON.stringify(config.Cmd) !== JSON.stringify(["node", "dist/server.js"])) problems.push(`Cmd ${JSON.stringify(config.Cmd)}`)
    if (config.Entrypoint?.length) problems.push(`unexpected Entrypoint ${JSON.stringify(config.Entrypoint)}`)
    if (!(config.Env ?? []).includes("NODE_ENV=production")) problems.push("NODE_ENV=production missing")
    if (!("8000/tcp" in (config.ExposedPorts ?? {}))) problems.push("port 8000 not exposed")
    for (const label of ["source", "revision", "version"]) {
      if (!config.Labels?.[`org.opencontainers.image.${label}`]) problems.push(`OCI label ${label} missing`)
    }
    if (problems.length) { console.error(problems.join("\n")); process.exit(1) }
  ' "$1"
}
check_config "$config" || fail "image configuration"
user=$(node -e 'console.log(JSON.parse(process.argv[1]).User)' "$config")
log "image config ok: user $user, CMD node dist/server.js, NODE_ENV=production, OCI labels"

container=$(buildah_in_state_dir from --pull=never "$image")
rootfs=$(buildah_in_state_dir mount "$container")
app_entries=$(find "$rootfs/app" -mindepth 1 -maxdepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$app_entries" = "dist node_modules package.json " ] || fail "/app holds more than dist, node_modules, package.json: $app_entries"
for dev_only in typescript tsx dynalite s3rver eslint; do
  [ ! -e "$rootfs/app/node_modules/$dev_only" ] || fail "dev dependency $dev_only shipped in the image"
done
[ -f "$rootfs/app/dist/server.js" ] || fail "dist/server.js missing"
[ "$(stat -c %u "$rootfs/app/dist/server.js")" = 0 ] || fail "app files should be root-owned (read-only to the app user)"
log "image content ok: only dist/, production node_modules/ and package.json, root-owned"

# --- 4. emulators on the host's loopback --------------------------------------------------------
node --import tsx "$repo/scripts/container/emulators.ts" \
  --table users-smoke --bucket avatars-smoke --ready-file "$work/endpoints.json" >"$work/emulators.log" 2>&1 &
emulators_pid=$!
for _ in $(seq 100); do
  [ -f "$work/endpoints.json" ] && break
  kill -0 "$emulators_pid" 2>/dev/null || { cat "$work/emulators.log" >&2; fail "emulators did not start"; }
  sleep 0.2
done
[ -f "$work/endpoints.json" ] || fail "emulators not ready after 20 s"
dynamodb_endpoint=$(node -e 'console.log(require(process.argv[1]).dynamodb)' "$work/endpoints.json")
s3_endpoint=$(node -e 'console.log(require(process.argv[1]).s3)' "$work/endpoints.json")

# --- 5. run the image in production mode --------------------------------------------------------
# The key reaches the app as a mounted file, as in the chart (API_KEYS_FILE).
mkdir -p "$work/secrets"
node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))' >"$work/secrets/api-keys"
api_key=$(cat "$work/secrets/api-keys")
chmod 0444 "$work/secrets/api-keys"
port=$(free_port)
metrics_port=$(free_port)
while [ "$metrics_port" = "$port" ]; do metrics_port=$(free_port); done
touch "$work/before-start"
sleep 1

# `buildah run` honours USER, WORKDIR and ENV but not CMD, so the CMD read from the image is run.
mapfile -t cmd < <(node -e 'for (const part of JSON.parse(process.argv[1]).Cmd) console.log(part)' "$config")
started_ms=$(date +%s%3N)
buildah "${buildah_options[@]}" run \
  --volume "$work/secrets:/run/secrets/user-api:ro" \
  --env HOST=127.0.0.1 --env PORT="$port" --env METRICS_PORT="$metrics_port" \
  --env AWS_REGION=us-east-1 --env DYNAMODB_TABLE=users-smoke --env S3_BUCKET=avatars-smoke \
  --env S3_FORCE_PATH_STYLE=true \
  --env AWS_ENDPOINT_URL_DYNAMODB="$dynamodb_endpoint" --env AWS_ENDPOINT_URL_S3="$s3_endpoint" \
  --env AWS_ACCESS_KEY_ID=S3RVER --env AWS_SECRET_ACCESS_KEY=S3RVER \
  --env API_KEYS_FILE=/run/secrets/user-api/api-keys \
  --env SHUTDOWN_DRAIN_SECONDS=1 --env SHUTDOWN_TIMEOUT_SECONDS=5 \
  "$container" -- "${cmd[@]}" >"$work/app.log" 2>&1 &
app_runner_pid=$!

base_url=http://127.0.0.1:$port
ready=false
for _ in $(seq 300); do
  kill -0 "$app_runner_pid" 2>/dev/null || fail "the container exited before becoming ready"
  if [ "$(http_status "$base_url/readyz")" = 200 ]; then ready=true; break; fi
  sleep 0.1
done
[ "$ready" = true ] || fail "/readyz did not return 200 within 30 s"
log "container ready (/readyz 200) $(($(date +%s%3N) - started_ms)) ms after start"

# buildah run -> buildah-chroot-runtime -> buildah-chroot-exec -> node (with its full path).
node_pid=
for pid in $(descendants "$app_runner_pid"); do
  case $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) in
    "node ${cmd[*]:1} " | */node" ${cmd[*]:1} ") node_pid=$pid ;;
  esac
done
[ -n "$node_pid" ] || fail "cannot find the app's node process"
[ "$(stat -c %u "/proc/$node_pid")" = "${user%%:*}" ] || fail "the app does not run as uid ${user%%:*}"
log "app runs as uid ${user%%:*} (pid $node_pid)"
# The allocator the memory budget was measured with (docs/performance.md, Memory).
grep -q '/libjemalloc\.so\.2$' "/proc/$node_pid/maps" || fail "jemalloc is not loaded into the app (LD_PRELOAD)"
log "jemalloc loaded (LD_PRELOAD)"

# --- 6. one real authenticated request ----------------------------------------------------------
status=$(http_status "$base_url/users")
[ "$status" = 401 ] || fail "GET /users without a key returned $status, expected 401"
email="smoke-$(date +%s)@example.com"
status=$(http_status -X POST "$base_url/user" -H "X-API-Key: $api_key" -H 'Content-Type: application/json' \
  --data "{\"name\":\"Smoke Test\",\"email\":\"$email\"}")
[ "$status" = 201 ] || fail "POST /user returned $status: $(cat "$work/body")"
status=$(http_status "$base_url/users" -H "X-API-Key: $api_key")
[ "$status" = 200 ] || fail "GET /users returned $status: $(cat "$work/body")"
grep -q "\"$email\"" "$work/body" || fail "GET /users does not list the new user: $(cat "$work/body")"
status=$(http_status "http://127.0.0.1:$metrics_port/metrics")
[ "$status" = 200 ] || fail "/metrics on the metrics port returned $status"
grep -q '^http_requests_total' "$work/body" || fail "/metrics has no http_requests_total"
status=$(http_status "$base_url/metrics")
[ "$status" = 404 ] || fail "/metrics on the API port returned $status, expected 404"
log "POST /user 201, GET /users lists the user, /metrics served on the metrics port only"
http_status -D "$work/page-headers" "$base_url/" >/dev/null
grep -q '<script type="module" src="/assets/main-' "$work/body" || fail "/ does not serve the web page: $(head -c 300 "$work/body")"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$work/page-headers" || fail "the web page has not its own Content-Security-Policy"
script=$(grep -o '/assets/main-[A-Z0-9]*\.js' "$work/body")
status=$(http_status "$base_url$script")
[ "$status" = 200 ] || fail "GET $script returned $status"
log "the web page and its script are served, with a Content-Security-Policy"

# --- 7. graceful shutdown -----------------------------------------------------------------------
kill -TERM "$node_pid"
sleep 0.3
status=$(http_status "$base_url/readyz")
[ "$status" = 503 ] || fail "/readyz returned $status while draining, expected 503"
exit_code=0
wait "$app_runner_pid" || exit_code=$?
app_runner_pid=
[ "$exit_code" = 0 ] || fail "the app exited with $exit_code after SIGTERM"
log "SIGTERM: /readyz 503 while draining, then exit 0"

# --- 8. nothing written outside /tmp (works with a read-only root filesystem) -------------------
# buildah itself writes the resolver and host files and creates mount points for the run, which
# also touches their folders; so folders are left out and only files and links are listed.
written=$(cd "$rootfs" && find . -xdev -newer "$work/before-start" -not -type d \
  -not -path './tmp' -not -path './tmp/*' -not -path './run' -not -path './run/secrets*' \
  -not -path './etc/hosts' -not -path './etc/hostname' -not -path './etc/resolv.conf' \
  -not -path './proc' -not -path './sys' -not -path './dev' -not -path './dev/*' -not -path '.' | sort)
[ -z "$written" ] || fail "the app wrote outside /tmp: $written"
log "no file written outside /tmp"

log "PASS"
