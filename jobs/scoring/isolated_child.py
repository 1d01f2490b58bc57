"""The child's side of jobs/scoring/isolated.py: after the fork, set up (process group,
death signal, inherited descriptors, environment, network namespace, rlimits), say ready,
run the function, answer in JSON, ``os._exit``. No Django, like the parent's side."""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import signal
import stat
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.scoring.isolated import Limits

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
_KEPT_ENV = (
    "PATH",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "HOME",
    "MPLCONFIGDIR",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "PYTHONHASHSEED",
)


def child(write_fd: int, parent: int, func, args, limits: Limits) -> None:
    """Set up, say ready, run, answer, ``os._exit``. Never returns."""
    try:
        network = _set_up(write_fd, parent, limits)
    except BaseException as exc:  # noqa: BLE001 - whatever failed, the worker must hear why
        _write(write_fd, json.dumps({"setup_failed": f"{type(exc).__name__}: {exc}"[:500]}) + "\n")
        os._exit(3)
    _write(write_fd, json.dumps({"ready": True, "network": network}) + "\n")
    try:
        message = json.dumps({"ok": func(*args)})
    except BaseException as exc:  # noqa: BLE001 - the submission's bytes may raise anything
        message = _error_message(exc)
    _write(write_fd, message)
    os._exit(0)


def _set_up(write_fd: int, parent: int, limits: Limits) -> str:
    os.setpgid(0, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the worker died between fork and prctl
        os._exit(1)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)  # the worker's handlers are Huey's, not ours
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails with EFBIG
    _close_inherited(write_fd)
    kept = {key: os.environ[key] for key in _KEPT_ENV if key in os.environ}
    os.environ.clear()
    os.environ.update(kept)
    network = _isolate_network(libc)
    if not network and limits.require_no_network:
        raise OSError("no network namespace could be made (unshare refused) and require_no_network is set")
    _apply_limits(limits)
    return network


def _close_inherited(keep: int) -> None:
    """Take from the scorer what the worker holds open: every socket (the database, the
    queue, MLflow: a socket reaches the network from inside a fresh network namespace),
    pipe and writable file. Each is pointed at ``/dev/null`` (dup2) rather than closed: the
    worker's Python objects still name those numbers, and one finalised in the child would
    otherwise close whatever the scorer had opened under a freed number since (a font file:
    every picture then failed with "failed to load glyph"). Regular files open read-only
    stay as they are (libraries' fonts); they give nothing the fork's memory lacks."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    for fd in _open_descriptors():
        if fd > 2 and fd not in (keep, devnull) and _is_open(fd) and not _read_only_file(fd):
            os.dup2(devnull, fd)
    os.close(devnull)


def _open_descriptors() -> list[int]:
    try:
        return sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:  # no /proc: every number up to the limit
        try:
            highest = os.sysconf("SC_OPEN_MAX")
        except (ValueError, OSError):
            highest = 65536
        return list(range(highest))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _read_only_file(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        return False
    return stat.S_ISREG(mode) and (flags & os.O_ACCMODE) == os.O_RDONLY


def _isolate_network(libc) -> str:
    if libc.unshare(CLONE_NEWNET) == 0:
        return "netns"
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        return "userns+netns"
    return ""


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _apply_limits(limits: Limits) -> None:
    budget = limits.memory_mb * 1024 * 1024
    # What the fork inherited counts against both limits; the budget is on top of it.
    _set_limit(resource.RLIMIT_DATA, _status_kib("VmData") * 1024 + budget)
    _set_limit(resource.RLIMIT_AS, _status_kib("VmSize") * 1024 + budget + 512 * 1024 * 1024)
    cpu = int(limits.timeout_s) + 1
    _set_limit(resource.RLIMIT_CPU, cpu, hard=cpu + 2)
    _set_limit(resource.RLIMIT_FSIZE, limits.max_file_mb * 1024 * 1024)
    _set_limit(resource.RLIMIT_CORE, 0)


def _set_limit(which: int, soft: int, *, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _error_message(exc: BaseException) -> str:
    from benchmarks.base import ScoringError

    kind = "rejected" if isinstance(exc, ScoringError) else "memory" if isinstance(exc, MemoryError) else "exception"
    try:
        return json.dumps(
            {
                "error": {
                    "kind": kind,
                    "type": type(exc).__name__,
                    "message": str(exc)[:500],
                    "traceback": "".join(traceback.format_exception(exc))[-4000:],
                }
            }
        )
    except BaseException:  # noqa: BLE001 - e.g. no memory left to format it
        # %-formatting, not json: the least that can still run when formatting the real error failed.
        return '{"error": {"kind": "%s", "type": "%s", "message": ""}}' % (kind, type(exc).__name__[:80])  # noqa: UP031


def _write(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    while data:
        try:
            written = os.write(fd, data)
        except InterruptedError:
            continue
        except OSError:
            return
        data = data[written:]
