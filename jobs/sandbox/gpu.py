"""Peak GPU memory of a run, measured from outside the sandbox.

``nvidia-smi`` reports the memory used on the whole device. A worker owns its
GPU (``LB_WORKER_GPU``), so "used now minus used before the run" is the run's
footprint. Polled every half second: a shorter spike can be missed, which is
the usual trade-off of sampling (NVML has no per-process peak either).
"""

from __future__ import annotations

import shutil
import subprocess
import threading

POLL_INTERVAL_S = 0.5


def gpu_memory_used_mb(index: int) -> float | None:
    """Memory in use on GPU ``index`` in MiB, or ``None`` when it cannot be read."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        result = subprocess.run(
            [smi, "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", str(index)],
            capture_output=True, text=True, timeout=5, check=True,
        )
        return float(result.stdout.strip().splitlines()[0])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return None


class GpuPeakMonitor:
    """Samples GPU memory in a thread between ``start()`` and ``stop()``."""

    def __init__(self, index: int | None) -> None:
        self.index = index
        self._baseline: float | None = None
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.index is None:
            return
        self._baseline = gpu_memory_used_mb(self.index)
        if self._baseline is None:
            return  # no GPU tooling: peak stays 0.0
        self._thread = threading.Thread(target=self._poll, name="gpu-peak", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        assert self.index is not None and self._baseline is not None
        while not self._stop.wait(POLL_INTERVAL_S):
            used = gpu_memory_used_mb(self.index)
            if used is not None:
                self._peak = max(self._peak, used - self._baseline)

    def stop(self) -> float:
        """Stop sampling; the peak in MiB above the pre-run baseline (0.0 without a GPU)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        return max(self._peak, 0.0)
