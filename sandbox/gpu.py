"""Peak GPU memory of a run, measured from outside the sandbox with NVML.

The readings come from the process's one NVML poller (``core/nvml.py``, once
a second), the same thread whose figures the worker heartbeats to the fleet
page. The run's footprint is the GPU memory NVML attributes to the run's
process tree; where the driver does not list processes (some containers), it
is "memory used now minus before the run" on the worker's own GPU
(``LB_WORKER_GPU``). Sampling can miss a spike shorter than the interval (NVML
keeps no per-process peak).
"""

from __future__ import annotations

import threading
from pathlib import Path

from core.nvml import GpuPoller, GpuReading, shared_poller


def process_tree(root: int) -> set[int]:
    """``root`` and all its descendants, from /proc (host pid namespace, as NVML reports)."""
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except (OSError, ValueError):
                pass
    return found


class GpuPeakMonitor:
    """Tracks a run's peak GPU memory between ``start()`` and ``stop()``."""

    def __init__(self, index: int | None, poller: GpuPoller | None = None) -> None:
        self.index = index
        self._poller = poller
        self._root_pid: int | None = None
        self._baseline: float | None = None
        self._peak = 0.0
        self._lock = threading.Lock()
        self._unsubscribe = None

    def start(self) -> None:
        if self.index is None:
            return
        poller = self._poller or shared_poller()
        if not poller.reader.available:
            return  # no GPU here: the peak stays 0.0
        self._unsubscribe = poller.subscribe(self._on_readings)

    def watch(self, pid: int) -> None:
        """The run's root process: from now on its tree's own memory is what counts."""
        self._root_pid = pid

    def _on_readings(self, readings: list[GpuReading]) -> None:
        reading = next((r for r in readings if r.index == self.index), None)
        if reading is None:
            return
        with self._lock:
            if self._baseline is None:
                self._baseline = reading.memory_used_mb
            used = 0.0
            if reading.processes is not None and self._root_pid is not None:
                tree = process_tree(self._root_pid)
                used = sum(mb for pid, mb in reading.processes.items() if pid in tree)
            if not used:  # no per-process figures, or the run's processes live elsewhere (a container)
                used = reading.memory_used_mb - self._baseline
            self._peak = max(self._peak, used)

    def stop(self) -> float:
        """Stop tracking; the peak in MiB (0.0 without a GPU)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        return max(self._peak, 0.0)
