#!/usr/bin/env bash
# Build the two images, with docker or podman (whichever is present):
#   leaders-board:latest          web, worker, MLflow (Dockerfile target "app")
#   leaders-board-sandbox:latest  what submissions run in (target "sandbox")
#   scripts/images.sh [context]   (default: this checkout)
# Where the registry base image cannot be pulled, a Debian base is made locally
# (scripts/debian-base.sh, mmdebstrap) and used instead.
# Environment: LB_APP_IMAGE, LB_SANDBOX_IMAGE (tags), BASE_IMAGE, LB_IMAGE_BUILD_ARGS
# (extra build flags, e.g. "--build-arg REQUIREMENTS=requirements/web.txt"),
# LB_CONTAINER_CLI / LB_CONTAINER_CLI_ARGS (engine and its global flags).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
context="${1:-$root}"
engine="${LB_CONTAINER_CLI:-$(command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && echo docker || echo podman)}"
command -v "$engine" >/dev/null 2>&1 || { echo "neither docker nor podman is installed" >&2; exit 1; }
read -r -a engine_args <<< "${LB_CONTAINER_CLI_ARGS:-}"
if [ "$engine" = podman ] && [ ${#engine_args[@]} -eq 0 ] && [ -x /usr/sbin/runc ] && [ ! -d /run/systemd/system ]; then
  engine_args=(--runtime /usr/sbin/runc --cgroup-manager=cgroupfs)   # hosts without systemd (CI containers)
fi
cli=("$engine" "${engine_args[@]}")
app_tag="${LB_APP_IMAGE:-leaders-board:latest}"
sandbox_tag="${LB_SANDBOX_IMAGE:-leaders-board-sandbox:latest}"

base="${BASE_IMAGE:-python:3.11-slim-bookworm}"
if ! "${cli[@]}" image inspect "$base" >/dev/null 2>&1 && ! "${cli[@]}" pull -q "$base" >/dev/null 2>&1; then
  echo "Cannot pull $base: using a local Debian base instead"
  LB_CONTAINER_CLI_ARGS="${engine_args[*]}" "$root/scripts/debian-base.sh" "$engine" localhost/debian-base
  base=localhost/debian-base
fi

build=(build --network host --build-arg "BASE_IMAGE=$base" -f "$root/Dockerfile")
ca=/etc/ssl/certs/ca-certificates.crt
if [ "$engine" = podman ] && [ -f "$ca" ]; then
  # pip inside the build trusts what the host trusts (e.g. a proxy's CA).
  build+=(-v "$ca:$ca:ro" --build-arg "PIP_CERT=$ca")
fi
read -r -a extra <<< "${LB_IMAGE_BUILD_ARGS:-}"
build+=("${extra[@]}")
"${cli[@]}" "${build[@]}" --target sandbox -t "$sandbox_tag" "$context"
"${cli[@]}" "${build[@]}" --target app -t "$app_tag" "$context"
echo "Built $app_tag and $sandbox_tag with $engine"
