#!/usr/bin/env bash
# GPU check of a worker host (docs/fleet.md): NVML readings during a short anomalib PaDiM job on CUDA.
# Needs python3 with torch, anomalib and nvidia-ml-py. Prints "no GPU (why)" and exits 1 without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD"
exec "${PYTHON:-python3}" scripts/gpu_check.py "$@"
