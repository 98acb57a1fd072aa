#!/usr/bin/env bash
# End-to-end test of the chart on a kind cluster, with real S3 semantics (MinIO) and DynamoDB Local
# running in the cluster:
#   1. start the emulators in namespace user-api-e2e, with credentials made up for this run;
#   2. create the table and bucket from the service's own definition (`npm run setup:aws`);
#   3. install the chart with the image already loaded into the cluster, wait, run `helm test`;
#   4. register a user and upload an avatar through the presigned form, from outside the cluster.
# Usage: run-e2e.sh IMAGE_REPOSITORY IMAGE_TAG   (needs kubectl, helm, npm, jq, curl, openssl, sudo)
set -euo pipefail

image_repository=${1:?usage: run-e2e.sh IMAGE_REPOSITORY IMAGE_TAG}
image_tag=${2:?usage: run-e2e.sh IMAGE_REPOSITORY IMAGE_TAG}
# Fixed, because values-e2e.yaml names the emulators' in-cluster addresses with it.
namespace=user-api-e2e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
logs=$(mktemp -d)
forwarded_pids=()

stop_port_forwards() {
  local pid
  for pid in "${forwarded_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_port_forwards EXIT

# Forwards localhost:PORT to a Service in the test namespace and waits until it accepts connections.
port_forward() {
  local service=$1 local_port=$2 remote_port=$3 attempt
  kubectl --namespace "$namespace" port-forward "service/$service" "$local_port:$remote_port" \
    >"$logs/port-forward-$service.log" 2>&1 &
  forwarded_pids+=("$!")
  for attempt in $(seq 1 30); do
    if curl --silent --output /dev/null --max-time 2 "http://127.0.0.1:$local_port/"; then return 0; fi
    echo "waiting for port-forward to $service (attempt $attempt)"
    sleep 1
  done
  cat "$logs/port-forward-$service.log" >&2
  return 1
}

echo "::group::Emulators"
# Made up for this run only: nothing secret lives in the repository or outlives the cluster.
s3_access_key=$(openssl rand -hex 10)
s3_secret_key=$(openssl rand -hex 20)
api_key=$(openssl rand -hex 32)
echo "::add-mask::$s3_secret_key"
echo "::add-mask::$api_key"
"$root/.github/scripts/prepare-namespace.sh" "$namespace"
kubectl --namespace "$namespace" create secret generic e2e-aws-credentials \
  --from-literal=AWS_ACCESS_KEY_ID="$s3_access_key" --from-literal=AWS_SECRET_ACCESS_KEY="$s3_secret_key"
kubectl --namespace "$namespace" create secret generic e2e-api-keys --from-literal=api-keys="$api_key"
kubectl --namespace "$namespace" apply --filename "$here/manifests/"
kubectl --namespace "$namespace" rollout status deployment/dynamodb-local deployment/minio --timeout=300s
echo "::endgroup::"

echo "::group::Table and bucket"
# Presigned URLs name the in-cluster S3 address, which the runner reaches through the port-forward.
s3_host="minio.$namespace.svc.cluster.local"
grep -q " $s3_host\$" /etc/hosts || echo "127.0.0.1 $s3_host" | sudo tee -a /etc/hosts >/dev/null
port_forward dynamodb-local 8000 8000
port_forward minio 9000 9000
(
  cd "$root"
  AWS_REGION=us-east-1 DYNAMODB_TABLE=user-api-e2e S3_BUCKET=user-api-e2e-avatars \
    AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 AWS_ENDPOINT_URL_S3="http://$s3_host:9000" \
    S3_FORCE_PATH_STYLE=true AWS_ACCESS_KEY_ID="$s3_access_key" AWS_SECRET_ACCESS_KEY="$s3_secret_key" \
    API_KEYS="$api_key" npm run --silent setup:aws
)
echo "::endgroup::"

echo "::group::Install the chart"
helm upgrade --install user-api "$root/charts/user-api" --namespace "$namespace" \
  --values "$here/values-e2e.yaml" \
  --set image.repository="$image_repository" --set image.tag="$image_tag" \
  --rollback-on-failure --wait --timeout 5m
echo "::endgroup::"

echo "::group::helm test"
helm test user-api --namespace "$namespace" --logs --timeout 3m
echo "::endgroup::"

echo "::group::Register a user and upload an avatar"
port_forward user-api 8080 80
API_KEY=$api_key "$here/register-and-upload.sh" http://127.0.0.1:8080
echo "::endgroup::"
