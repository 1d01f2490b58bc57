"""GPU telemetry through NVML (``nvidia-ml-py``), with no Django import.

One reader per process, one polling thread per process (``shared_poller()``):
the worker's heartbeat publishes the latest readings, and the sandbox's peak
VRAM monitor (``sandbox/gpu.py``) subscribes to the same thread, so the
fleet page and a job's ``peak_vram_mb`` come from one code path.

Where NVML cannot be used — ``nvidia-ml-py`` not installed, the library
missing, or installed without a driver — the reader is *unavailable*, says why
in ``reason``, reports no GPUs, and nothing else changes.

Runs on a bare GPU machine with only ``nvidia-ml-py`` importable
(``scripts/gpu_check.sh`` uses it that way).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
POLL_INTERVAL_S = 1.0


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    uuid: str
    memory_total_mb: float


@dataclass(frozen=True)
class GpuReading:
    index: int
    name: str
    utilization_pct: float | None
    memory_used_mb: float
    memory_total_mb: float
    temperature_c: float | None
    power_w: float | None
    # pid → MiB of GPU memory; None when the driver does not tell (e.g. inside a container).
    processes: dict[int, float] | None = field(default=None)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["processes"] = None if self.processes is None else {str(k): v for k, v in self.processes.items()}
        return data


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlReader:
    """Reads every GPU NVML sees. ``available`` is False (with ``reason``) where it cannot."""

    def __init__(self) -> None:
        self.available = False
        self.reason = ""
        self._nvml = None
        self._lock = threading.Lock()
        try:
            import pynvml
        except ImportError:
            self.reason = "nvidia-ml-py is not installed"
            return
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:  # library missing, driver not loaded, no permission…
            self.reason = f"NVML: {exc}"
            return
        except OSError as exc:  # a broken libnvidia-ml.so
            self.reason = f"NVML: {exc}"
            return
        self._nvml = pynvml
        self.available = True

    @property
    def status(self) -> str:
        """``"N GPU(s)"`` or ``"no GPU (why)"``, for logs and the fleet page."""
        if not self.available:
            return f"no GPU ({self.reason})"
        count = len(self.gpus())
        return f"{count} GPU(s)" if count else "no GPU (NVML sees no device)"

    def _count(self) -> int:
        try:
            return self._nvml.nvmlDeviceGetCount()
        except self._nvml.NVMLError as exc:
            logger.warning("NVML device count failed: %s", exc)
            return 0

    def gpus(self) -> list[GpuInfo]:
        if not self.available:
            return []
        nvml, found = self._nvml, []
        with self._lock:
            for index in range(self._count()):
                try:
                    handle = nvml.nvmlDeviceGetHandleByIndex(index)
                    memory = nvml.nvmlDeviceGetMemoryInfo(handle)
                    found.append(
                        GpuInfo(
                            index=index,
                            name=_text(nvml.nvmlDeviceGetName(handle)),
                            uuid=_text(nvml.nvmlDeviceGetUUID(handle)),
                            memory_total_mb=round(memory.total / MIB, 1),
                        )
                    )
                except nvml.NVMLError as exc:
                    logger.warning("NVML GPU %s unreadable: %s", index, exc)
        return found

    def read(self) -> list[GpuReading]:
        """One reading per GPU; a figure the device does not support is ``None``."""
        if not self.available:
            return []
        nvml, readings = self._nvml, []
        with self._lock:
            for index in range(self._count()):
                try:
                    readings.append(self._read_one(nvml, index))
                except nvml.NVMLError as exc:
                    logger.warning("NVML GPU %s unreadable: %s", index, exc)
        return readings

    @staticmethod
    def _optional(call: Callable[[], float], nvml) -> float | None:
        try:
            return call()
        except nvml.NVMLError:
            return None

    def _read_one(self, nvml, index: int) -> GpuReading:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        utilization = self._optional(lambda: float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu), nvml)
        temperature = self._optional(
            lambda: float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)), nvml
        )
        power = self._optional(lambda: nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0, nvml)
        processes: dict[int, float] | None
        try:
            processes = {}
            for proc in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                used = proc.usedGpuMemory
                # NVML reports "not available" as None or as a huge sentinel value.
                if used is not None and used < 2**63:
                    processes[int(proc.pid)] = processes.get(int(proc.pid), 0.0) + round(used / MIB, 1)
        except nvml.NVMLError:
            processes = None
        return GpuReading(
            index=index,
            name=_text(nvml.nvmlDeviceGetName(handle)),
            utilization_pct=utilization,
            memory_used_mb=round(memory.used / MIB, 1),
            memory_total_mb=round(memory.total / MIB, 1),
            temperature_c=temperature,
            power_w=power,
            processes=processes,
        )


Listener = Callable[[list[GpuReading]], None]


class GpuPoller:
    """One thread that reads every GPU every ``interval_s`` and tells its listeners.

    It runs only while someone listens or ``start()`` was called: a worker
    starts it for its whole life; a lone sandbox run starts it for the run.
    """

    def __init__(self, reader: NvmlReader | None = None, interval_s: float = POLL_INTERVAL_S) -> None:
        self.reader = reader if reader is not None else NvmlReader()
        self.interval_s = interval_s
        self.latest: list[GpuReading] = []
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pinned = False  # started by start(): keeps running with no listener

    def start(self) -> None:
        self._pinned = True
        self._ensure_running()

    def stop(self) -> None:
        self._pinned = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(readings)`` after each poll (and once now); returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)
        self._ensure_running()
        listener(self.poll_once())

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
                idle = not self._listeners and not self._pinned
            if idle:
                self.stop()

        return unsubscribe

    def poll_once(self) -> list[GpuReading]:
        readings = self.reader.read()
        self.latest = readings
        return readings

    def _ensure_running(self) -> None:
        if not self.reader.available:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="nvml-poller", daemon=True)
            self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval_s):
            readings = self.poll_once()
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(readings)
                except Exception:  # one bad listener must not stop the telemetry
                    logger.exception("GPU listener failed")


_SHARED: GpuPoller | None = None
_SHARED_LOCK = threading.Lock()


def shared_poller() -> GpuPoller:
    """The process's one poller (and one NVML reader)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = GpuPoller()
        return _SHARED
