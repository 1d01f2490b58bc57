#!/usr/bin/env bash
# Install system packages and the Python environment (.venv).
#   scripts/install.sh [worker|dev]   (default: worker; dev adds test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-worker}"

apt_packages=()
command -v bwrap >/dev/null 2>&1 || apt_packages+=(bubblewrap)        # the sandbox
command -v prlimit >/dev/null 2>&1 || apt_packages+=(util-linux)      # rlimits for the sandbox
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || apt_packages+=(nginx-light)  # web tier's one port (scripts/serve.sh)
if [ "$profile" = dev ]; then
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)                # browser tests (Playwright drives it)
  command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_packages+=(postgresql)
  # The docker sandbox's tests run real containers: podman with runc (no daemon),
  # catatonit for --init, mmdebstrap to make a Debian base image without a registry.
  command -v podman >/dev/null 2>&1 || apt_packages+=(podman)
  [ -x /usr/sbin/runc ] || apt_packages+=(runc)
  command -v catatonit >/dev/null 2>&1 || apt_packages+=(catatonit)
  command -v mmdebstrap >/dev/null 2>&1 || apt_packages+=(mmdebstrap)
  command -v wrk >/dev/null 2>&1 || apt_packages+=(wrk)                # bench/api_latency.py load generator
elif [ "${LB_SANDBOX:-}" = docker ] && [ "${LB_CONTAINER_CLI:-docker}" = podman ]; then
  command -v podman >/dev/null 2>&1 || apt_packages+=(podman runc catatonit)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${apt_packages[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
fi

python="${PYTHON:-python3.11}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
# Re-install only when a requirements file changed.
stamp=".venv/.requirements-$profile.sha256"
digest=$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # torch==2.14.1 / torchvision==0.29.1 are pinned exactly: a looser pin downloads gigabytes.
  .venv/bin/python -m pip install -q -r "requirements/$profile.txt"
  echo "$digest" > "$stamp"
fi
# The `lb` command-line client (cli/, its dependencies pinned above), as .venv/bin/lb.
[ -x .venv/bin/lb ] || .venv/bin/python -m pip install -q --no-deps -e ./cli
echo "Python environment ready: .venv ($profile)"
