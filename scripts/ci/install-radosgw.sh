#!/usr/bin/env bash
# Installs Ceph's S3 gateway and the two daemons it needs, for the S3 contract suite
# (test/s3-contract), which starts its own throw-away single-node cluster. The packages' systemd
# units are not started: the suite runs the daemons itself, as the current user, under a temp folder.
# Needs root (or sudo) and Debian/Ubuntu apt; about 270 MB.
set -euo pipefail

packages=(ceph-mon ceph-osd radosgw)

if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; then
  echo "radosgw is already installed: $(radosgw --version)"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "${packages[@]}"
radosgw --version
