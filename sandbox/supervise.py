"""Start a command, stream its output, enforce time/output limits, classify the end.

Every backend builds a host command line (``bwrap …``, ``docker run …`` or
the bare command) and hands it to :func:`supervise`, so timeout, cancel,
heartbeat, log streaming, output-size watching and the wording of failure
reasons are the same everywhere. Backends plug in how to kill the whole tree
and what they know about memory (cgroup OOM events) and setup failures.
"""

from __future__ import annotations

import collections
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from .base import RunOutcome, RunSpec, format_mb
from .cpu_meter import CpuMeter
from .gpu import GpuPeakMonitor
from .outputs import output_verdict

TICK_S = 1.0
# The job log is written by untrusted code through us: cap it so that a
# `while True: print()` cannot fill the disk. The rest is counted, not kept.
MAX_LOG_BYTES = 64 * 1024 * 1024
# Text a process prints when it runs out of memory under an address-space or
# data-segment limit (Python, NumPy, PyTorch, C++).
MEMORY_ERROR_MARKERS = (
    b"MemoryError",
    b"Unable to allocate",
    b"can't allocate memory",
    b"std::bad_alloc",
    b"Cannot allocate memory",
)


@dataclass
class Launch:
    """What a backend wants started on the host."""

    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None
    pass_fds: tuple[int, ...] = ()
    # Kill everything the run started; called with the Popen of ``argv``.
    kill_tree: Callable[[subprocess.Popen], None] = field(default=lambda proc: kill_group(proc))
    # True when the kernel (cgroup) says the run hit its memory limit.
    oom_reported: Callable[[], bool] = field(default=lambda: False)
    # A reason when the sandbox itself failed to start (not the submission).
    # Given the exit code and the first bytes of output.
    setup_error: Callable[[int, bytes], str | None] = field(default=lambda code, head: None)


class LogSink:
    """Appends output to the job log (flushed per chunk, for the live tail) and keeps a tail."""

    def __init__(self, log: BinaryIO, limit: int = MAX_LOG_BYTES) -> None:
        self.log = log
        self.limit = limit
        self.written = 0
        self.dropped = 0
        self._tail: collections.deque[bytes] = collections.deque(maxlen=16)
        self.head = b""

    def write(self, chunk: bytes) -> None:
        if len(self.head) < 4096:
            self.head += chunk[: 4096 - len(self.head)]
        self._tail.append(chunk[-4096:])
        room = self.limit - self.written
        if room <= 0:
            self.dropped += len(chunk)
            return
        kept = chunk[:room]
        self.log.write(kept)
        self.written += len(kept)
        self.dropped += len(chunk) - len(kept)
        if self.written >= self.limit:
            self.log.write(f"\n[log truncated at {format_mb(self.limit / 2**20)}]\n".encode())
        self.log.flush()

    def tail(self) -> bytes:
        return b"".join(self._tail)[-16384:]


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group the command leads (it was started in a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _open_pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None  # old kernel or Python: fall back to short polling


@dataclass
class _Watch:
    """Why we stopped the process, if we did."""

    stopped_for: str | None = None  # "cancelled" | "timeout" | "output_limit" | "output_files"


def supervise(
    spec: RunSpec,
    launch: Launch,
    *,
    log: BinaryIO,
    should_cancel: Callable[[], bool],
    on_tick: Callable[[], None] | None,
) -> RunOutcome:
    limits = spec.resources
    output_limit = limits.max_output_mb * 2**20
    sink = LogSink(log)
    watch = _Watch()
    gpu = GpuPeakMonitor(spec.gpu_index)
    gpu.start()
    started = time.monotonic()
    proc = subprocess.Popen(
        launch.argv,
        env=launch.env,
        cwd=launch.cwd,
        pass_fds=launch.pass_fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so we can kill the group
    )
    gpu.watch(proc.pid)
    meter = CpuMeter(proc.pid)  # the whole tree's CPU seconds, sampled each tick (sandbox/cpu_meter.py)

    def tick() -> None:
        meter.sample()
        if on_tick is not None:
            on_tick()

    status = rusage = None
    try:
        status, rusage = _pump(
            proc, launch, sink, watch, started, limits.timeout_s, output_limit, spec, should_cancel, tick
        )
    finally:
        if status is None:  # an exception (e.g. from on_tick): leave nothing running
            launch.kill_tree(proc)
            _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        _drain(proc, sink)
        peak_vram = gpu.stop()
    duration = time.monotonic() - started
    if watch.stopped_for is None:  # written in the last second before exit; the count before scoring
        watch.stopped_for = _output_over(spec, output_limit)
    code = os.waitstatus_to_exitcode(status)
    kind, reason = _classify(code, watch, launch, sink, rusage, spec)
    exit_code = code if kind in ("ok", "exit", "oom") else None
    cpu_s = max((rusage.ru_utime + rusage.ru_stime) if rusage is not None else 0.0, meter.peak)
    return RunOutcome(
        kind=kind,
        exit_code=exit_code,
        reason=reason,
        duration_s=round(duration, 3),
        peak_vram_mb=peak_vram,
        cpu_s=round(cpu_s, 3),
        peak_mem_mb=round(rusage.ru_maxrss / 1024, 1) if rusage is not None else 0.0,
    )


def _pump(proc, launch, sink, watch, started, timeout_s, output_limit, spec, should_cancel, on_tick):
    """Copy output to the log and tick until the process exits; returns (wait status, rusage)."""
    pipe_fd = proc.stdout.fileno()
    os.set_blocking(pipe_fd, False)
    pidfd = _open_pidfd(proc.pid)
    poller = select.poll()
    poller.register(pipe_fd, select.POLLIN | select.POLLHUP)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    deadline = started + timeout_s
    next_tick = started + TICK_S
    try:
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return status, rusage
            now = time.monotonic()
            wait_s = max(0.0, min(next_tick, deadline) - now)
            if pidfd is None:
                wait_s = min(wait_s, 0.02)
            for fd, _event in poller.poll(wait_s * 1000):
                if fd == pipe_fd and not _read_some(pipe_fd, sink):
                    poller.unregister(pipe_fd)  # EOF: every writer closed it
            now = time.monotonic()
            if watch.stopped_for is not None:
                continue  # already killed; wait for the exit
            if now >= deadline:
                watch.stopped_for = "timeout"
                launch.kill_tree(proc)
            elif now >= next_tick:
                next_tick += TICK_S
                if on_tick is not None:
                    on_tick()
                if should_cancel():
                    watch.stopped_for = "cancelled"
                else:  # a report: where the output is a capped mount, the kernel already holds the line
                    watch.stopped_for = _output_over(spec, output_limit)
                if watch.stopped_for is not None:
                    launch.kill_tree(proc)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _output_over(spec: RunSpec, output_limit: int) -> str | None:
    verdict = output_verdict(spec.output_dir, output_limit, spec.resources.max_output_files)
    return {"bytes": "output_limit", "files": "output_files"}.get(verdict or "")


def _read_some(fd: int, sink: LogSink) -> bool:
    """Read what is available; False at end of file."""
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return True
    if not chunk:
        return False
    sink.write(chunk)
    return True


def _drain(proc: subprocess.Popen, sink: LogSink, budget_s: float = 2.0) -> None:
    """Copy what is left in the pipe. A process that escaped the kill (only
    possible without a sandbox) may hold the pipe open: stop after a budget."""
    fd = proc.stdout.fileno()
    end = time.monotonic() + budget_s
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            break
        if not _read_some(fd, sink):
            break
    proc.stdout.close()


def _classify(code, watch, launch, sink, rusage, spec):
    limits = spec.resources
    if watch.stopped_for == "cancelled":
        return "cancelled", "cancelled"
    if watch.stopped_for == "timeout":
        return "timeout", f"timeout after {limits.timeout_s} s"
    if watch.stopped_for == "output_limit":
        return "output_limit", f"output over {format_mb(limits.max_output_mb)}"
    if watch.stopped_for == "output_files":
        return "output_limit", f"output has more than {limits.max_output_files} files"
    if code == 0:
        return "ok", None
    if _hit_file_size_limit(code, sink):
        return "output_limit", f"output over {format_mb(limits.max_output_mb)}"
    if _looks_like_oom(code, launch, sink, rusage, limits.memory_mb):
        return "oom", f"out of memory (limit {format_mb(limits.memory_mb)})"
    setup_error = launch.setup_error(code, sink.head)
    if setup_error:
        return "sandbox_error", setup_error
    return "exit", _exit_reason(code)


def _hit_file_size_limit(code: int, sink: LogSink) -> bool:
    """RLIMIT_FSIZE stops a file at the output limit: SIGXFSZ kills a C program,
    Python ignores the signal and gets EFBIG ("File too large") instead."""
    if code in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ):
        return True
    return b"File too large" in sink.tail()


def _looks_like_oom(code, launch, sink, rusage, memory_mb) -> bool:
    if launch.oom_reported():
        return True
    if any(marker in sink.tail() for marker in MEMORY_ERROR_MARKERS):
        return True
    killed = code in (-signal.SIGKILL, 128 + signal.SIGKILL)
    peak_mb = (rusage.ru_maxrss / 1024) if rusage is not None else 0.0  # ru_maxrss is KiB
    return killed and peak_mb >= 0.9 * memory_mb


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    if code > 128 and code - 128 in signal.valid_signals():
        # Sandboxes (bwrap, docker) report a signal death as 128 + N.
        return f"exit code {code} (killed by {signal.Signals(code - 128).name})"
    return f"exit code {code}"
