#!/usr/bin/env bash
# Make a Debian base image without any registry: mmdebstrap from this machine's
# own apt sources, then `<engine> import`. Idempotent: an existing image is kept.
#   scripts/debian-base.sh [engine] [tag]   (defaults: podman or docker, localhost/debian-base)
set -euo pipefail
engine="${1:-$(command -v podman >/dev/null 2>&1 && echo podman || echo docker)}"
tag="${2:-localhost/debian-base}"
suite="${LB_BASE_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
read -r -a engine_args <<< "${LB_CONTAINER_CLI_ARGS:-}"
if "$engine" "${engine_args[@]}" image inspect "$tag" >/dev/null 2>&1; then
  exit 0
fi
command -v mmdebstrap >/dev/null 2>&1 || { echo "mmdebstrap is not installed (scripts/install.sh installs it)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Building $tag from Debian $suite with mmdebstrap (about a minute)"
mmdebstrap --quiet --variant=apt --include=python3,python3-venv,ca-certificates "$suite" "$work/rootfs.tar"
"$engine" "${engine_args[@]}" import "$work/rootfs.tar" "$tag" >/dev/null
echo "Built $tag"
