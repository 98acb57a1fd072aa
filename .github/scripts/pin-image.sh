#!/usr/bin/env bash
# Pins an environment to an image by digest: writes deploy/environments/ENVIRONMENT/image.yaml on
# main, as one commit through GitHub's contents API, and nothing else. Argo CD then rolls the
# environment out (deploy/argocd/applicationset.yaml), and the push starts the Rollout workflow,
# which waits for it. The Delivery workflow runs this for dev only, after the image of a push to
# main is built, scanned and signed and every check passed; release and prod change by promotion
# pull requests (open-promotion-pr.sh). GH_TOKEN must be allowed to write to main past its branch
# protection: the GitOps GitHub App's token, minted in the dev GitHub Environment (docs/delivery.md).
# Usage: GH_TOKEN=<token> GH_REPO=<owner/name> pin-image.sh ENVIRONMENT IMAGE_REPOSITORY TAG DIGEST
#   e.g. pin-image.sh dev example/user-api 0123...cdef sha256:89ab...   (run from the repository root)
set -euo pipefail
# shellcheck source=.github/scripts/pull-requests.sh
source "$(dirname "$0")/pull-requests.sh"

usage="usage: pin-image.sh ENVIRONMENT IMAGE_REPOSITORY TAG DIGEST"
environment=${1:?$usage}
repository=${2:?$usage}
tag=${3:?$usage}
digest=${4:?$usage}
: "${GH_REPO:?GH_REPO must name the repository (owner/name)}"
[[ "$environment" =~ ^(dev|release|prod)$ ]] || { echo "$environment is not an environment (dev, release, prod)" >&2; exit 1; }
[[ "$repository" =~ ^[a-z0-9._/-]+$ ]] || { echo "$repository is not a lower-case image repository" >&2; exit 1; }
[[ "$tag" =~ ^[0-9a-f]{40}$ ]] || { echo "the tag must be the commit the image was built from, not '$tag'" >&2; exit 1; }
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "the digest must be sha256:<64 hex digits>, not '$digest'" >&2; exit 1; }

path="deploy/environments/$environment/image.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same text in every environment but for tag and digest, so that a promotion copies it whole
# (test/deploy checks the committed files keep that shape).
cat >"$work/image.yaml" <<YAML
# The image this environment runs, pinned by digest. Never edited by hand: the Delivery workflow
# writes dev's after the image of a push to main is built, scanned and signed; a promotion pull
# request copies dev's file to release, and release's to prod (deploy/README.md).
image:
  registry: ghcr.io
  repository: $repository
  tag: "$tag"
  digest: $digest
YAML

status=0
write_file main "$path" "$work/image.yaml" "$environment runs ${tag:0:12} ($digest)" || status=$?
case "$status" in
  0) echo "$environment pinned to ghcr.io/$repository@$digest" ;;
  3) echo "$environment already runs ghcr.io/$repository@$digest" ;;
  *) exit "$status" ;;
esac
