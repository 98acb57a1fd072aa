# Sourced by the container scripts. buildah runs rootless-style here: no daemon, vfs storage and
# chroot isolation, all state under one folder, so a run never touches the host's image store and
# is removed with one `rm -rf`.
# shellcheck shell=bash

: "${CONTAINER_STATE_DIR:?CONTAINER_STATE_DIR must name a folder for buildah storage}"
export BUILDAH_ISOLATION=chroot

# An array rather than only a function: `buildah "${buildah_options[@]}" run ... &` puts buildah
# itself in the background, so $! is its PID (a function would leave a subshell in between).
buildah_options=(--root "$CONTAINER_STATE_DIR/storage" --runroot "$CONTAINER_STATE_DIR/run" --storage-driver vfs)

buildah_in_state_dir() {
  buildah "${buildah_options[@]}" "$@"
}

# The runtime base image named by the Dockerfile. Every stage uses the same one, so the stand-in
# base needs building once and cannot drift from the FROM lines.
dockerfile_base_image() {
  local dockerfile=$1 images
  images=$(awk 'toupper($1) == "FROM" { print $2 }' "$dockerfile" | sort -u)
  if [ "$(printf '%s\n' "$images" | wc -l)" -ne 1 ]; then
    echo "expected one base image in $dockerfile, found: $images" >&2
    return 1
  fi
  printf '%s\n' "$images"
}

# Docker Hub short names as buildah stores them: node:TAG -> docker.io/library/node:TAG.
fully_qualified_image() {
  case $1 in
    */*/*) printf '%s\n' "$1" ;;
    */*) printf 'docker.io/%s\n' "$1" ;;
    *) printf 'docker.io/library/%s\n' "$1" ;;
  esac
}

elapsed_since() {
  echo $(($(date +%s) - $1))
}
