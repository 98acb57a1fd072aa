#!/usr/bin/env bash
# End-to-end test of the GitOps deployment on a kind cluster, with real S3 semantics (MinIO) and
# DynamoDB Local running in the cluster:
#   1. start the emulators in namespace user-api-e2e, with credentials made up for this run;
#   2. create the table and bucket from the service's own definition (`npm run setup:aws`);
#   3. install the pinned Argo CD, apply deploy/argocd's project and ApplicationSet pointed at the
#      commit under test (scripts/gitops/e2e-manifests.ts), and wait with the pipeline's own
#      wait-for-argocd.sh until Argo CD reports it Synced and Healthy at that commit, its PostSync
#      hook (the chart's `helm test` pod, calling /readyz through the Service) included;
#   4. register a user and upload an avatar through the presigned form, from outside the cluster.
# Usage: [REPOSITORY_TOKEN=<token>] run-e2e.sh IMAGE_REPOSITORY IMAGE_TAG REPOSITORY_URL REVISION
#   REPOSITORY_TOKEN lets Argo CD read a private repository; ARGOCD_COMMIT pins the Argo CD manifests.
#   (needs kubectl, npm, jq, curl, openssl, sudo)
set -euo pipefail

usage="usage: run-e2e.sh IMAGE_REPOSITORY IMAGE_TAG REPOSITORY_URL REVISION"
image_repository=${1:?$usage}
image_tag=${2:?$usage}
repository_url=${3:?$usage}
revision=${4:?$usage}
: "${ARGOCD_COMMIT:?ARGOCD_COMMIT must name the argoproj/argo-cd commit whose manifests to install}"
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

# Forwards localhost:PORT to a Service in a namespace and waits until it accepts connections.
port_forward_in() {
  local service_namespace=$1 service=$2 local_port=$3 remote_port=$4 attempt
  kubectl --namespace "$service_namespace" port-forward "service/$service" "$local_port:$remote_port" \
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
port_forward() { port_forward_in "$namespace" "$@"; }

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

echo "::group::Argo CD"
"$root/.github/scripts/prepare-namespace.sh" argocd
# Server-side: the ApplicationSet CRD is too large for a client-side apply's annotation. The URL
# names a commit, so the manifests cannot change under the same pin.
kubectl apply --namespace argocd --server-side --force-conflicts \
  --filename "https://raw.githubusercontent.com/argoproj/argo-cd/$ARGOCD_COMMIT/manifests/install.yaml"
# Plain HTTP on the port-forward only: this cluster lives for one job.
kubectl --namespace argocd patch configmap argocd-cmd-params-cm --type merge --patch '{"data":{"server.insecure":"true"}}'
kubectl --namespace argocd rollout restart deployment/argocd-server
kubectl --namespace argocd rollout status deployment/argocd-server deployment/argocd-repo-server \
  deployment/argocd-applicationset-controller statefulset/argocd-application-controller --timeout=300s
if [ -n "${REPOSITORY_TOKEN:-}" ]; then
  echo "::add-mask::$REPOSITORY_TOKEN"
  kubectl --namespace argocd create secret generic user-api-repository \
    --from-literal=type=git --from-literal=url="$repository_url" \
    --from-literal=username=x-access-token --from-literal=password="$REPOSITORY_TOKEN"
  kubectl --namespace argocd label secret user-api-repository argocd.argoproj.io/secret-type=repository
fi
echo "::endgroup::"

echo "::group::The ApplicationSet at ${revision:0:12}"
(cd "$root" && npx --no-install tsx scripts/gitops/e2e-manifests.ts "$repository_url" "$revision" "$image_repository" "$image_tag") \
  >"$logs/argocd-manifests.json"
kubectl apply --server-side --filename "$logs/argocd-manifests.json"
port_forward_in argocd argocd-server 8080 80
password=$(kubectl --namespace argocd get secret argocd-initial-admin-secret --output jsonpath='{.data.password}' | base64 --decode)
echo "::add-mask::$password"
token=$(jq --null-input --arg password "$password" '{username: "admin", password: $password}' |
  curl --silent --show-error --fail --max-time 10 --header 'Content-Type: application/json' --data @- \
    http://127.0.0.1:8080/api/v1/session | jq --raw-output .token)
echo "::add-mask::$token"
ARGOCD_SERVER=http://127.0.0.1:8080 ARGOCD_AUTH_TOKEN=$token GH_REPO="" POLL_SECONDS=5 \
  "$root/.github/scripts/wait-for-argocd.sh" user-api-e2e "$revision" 600
echo "::endgroup::"

echo "::group::The helm test pod, run by Argo CD as a PostSync hook"
hook=$(curl --silent --show-error --fail --max-time 10 --header "Authorization: Bearer $token" \
    http://127.0.0.1:8080/api/v1/applications/user-api-e2e |
  jq --compact-output '[.status.operationState.syncResult.resources[]? | select(.hookType == "PostSync")]')
echo "$hook"
jq --exit-status 'length > 0 and all(.[]; .hookPhase == "Succeeded")' <<<"$hook" >/dev/null ||
  { echo "the PostSync readiness check did not succeed" >&2; exit 1; }
echo "::endgroup::"

echo "::group::Register a user and upload an avatar"
port_forward user-api 8080 80
API_KEY=$api_key "$here/register-and-upload.sh" http://127.0.0.1:8080
echo "::endgroup::"
