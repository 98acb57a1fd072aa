#!/usr/bin/env bash
# Lints the chart and validates every rendered manifest against the Kubernetes JSON schemas with
# kubeconform (CRDs such as ServiceMonitor and HTTPRoute against the community CRD catalog), for the
# default values, every value set in charts/user-api/ci/ and every environment Argo CD deploys (its
# files in deploy/environments/<environment>/, layered as deploy/argocd/applicationset.yaml does).
# Usage: validate-chart.sh KUBERNETES_VERSION   (needs helm and docker)
set -euo pipefail

kubernetes_version=${1:?usage: validate-chart.sh KUBERNETES_VERSION}
chart=charts/user-api
kubeconform_image=ghcr.io/yannh/kubeconform:v0.7.0
crd_schemas='https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'

shopt -s nullglob
# One entry per render: nothing (the defaults), a ci/ file, or an environment's folder.
value_sets=("" "$chart"/ci/*.yaml deploy/environments/*/)
for values in "${value_sets[@]}"; do
  arguments=()
  if [ -d "$values" ]; then
    for file in values.yaml terraform-outputs.json image.yaml; do arguments+=(--values "$values$file"); done
  elif [ -n "$values" ]; then
    arguments=(--values "$values")
  fi
  echo "::group::${values:-default values}"
  helm lint --strict "$chart" "${arguments[@]}"
  helm template user-api "$chart" --namespace user-api --kube-version "$kubernetes_version" "${arguments[@]}" |
    docker run --rm --interactive "$kubeconform_image" -strict -summary \
      -kubernetes-version "$kubernetes_version" -schema-location default -schema-location "$crd_schemas" -
  echo "::endgroup::"
done
