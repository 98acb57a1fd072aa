#!/usr/bin/env bash
# Writes the .terraform.lock.hcl of every Terraform root with `terraform providers lock`, once, for
# every platform that runs Terraform on this project: GitHub's runners (linux_amd64) and the
# machines of the people who run it by hand. With these files committed, every plan and apply uses
# exactly the provider builds recorded here (terraform-init.sh refuses to run without them).
# Usage: terraform-lock-files.sh   (run from the repository root; needs registry access)
set -euo pipefail

platforms=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64)
arguments=()
for platform in "${platforms[@]}"; do arguments+=("-platform=$platform"); done

for directory in terraform/bootstrap terraform/environments/*; do
  [ -d "$directory" ] || continue
  echo "::group::$directory"
  terraform -chdir="$directory" providers lock "${arguments[@]}"
  echo "::endgroup::"
done
