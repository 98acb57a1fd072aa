#!/usr/bin/env bash
# Creates the namespace a release goes to, if missing, and labels it for the restricted Pod Security
# Standard. `helm --create-namespace` creates namespaces without those labels, so the cluster's
# default (often privileged) would apply; the chart's pods already meet "restricted", and the label
# keeps anything else deployed there to the same bar. Idempotent: deploys run it every time.
# Usage: prepare-namespace.sh NAMESPACE   (needs kubectl with a current context)
set -euo pipefail

namespace=${1:?usage: prepare-namespace.sh NAMESPACE}

kubectl create namespace "$namespace" --dry-run=client --output yaml | kubectl apply --filename -
kubectl label namespace "$namespace" --overwrite \
  pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/enforce-version=latest \
  pod-security.kubernetes.io/audit=restricted \
  pod-security.kubernetes.io/warn=restricted
