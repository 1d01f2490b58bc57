"""Run code that reads a submission's files in a forked child under limits.

Scoring parses what a submission wrote (an ONNX graph that onnxruntime then
*executes*, a zip of arrays, images, JSON) and reading ``config.yaml`` parses
its YAML. Done in the worker itself, an ONNX ``Loop`` with a huge trip count
hangs the worker and a decompression bomb kills it, and every worker that
retried the job would meet the same fate. :func:`run` calls a function in a
child process instead, with:

* a wall-clock timeout (the child's process group is killed with SIGKILL);
* ``RLIMIT_DATA`` and ``RLIMIT_AS``: the child may grow by ``memory_mb`` over
  what it inherited (allocations past it raise ``MemoryError``);
* ``RLIMIT_CPU`` (timeout + 1 s: SIGXCPU, then SIGKILL), ``RLIMIT_FSIZE``
  (largest file it may write; ``SIGXFSZ`` ignored so the write fails with
  ``EFBIG``), ``RLIMIT_CORE`` = 0;
* no network: ``unshare(CLONE_NEWNET)`` (as root), else
  ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` (hosts that allow unprivileged user
  namespaces). Where neither is permitted the child runs with the worker's
  network unless ``require_no_network`` is set, in which case it refuses to
  start (a platform error: nothing of the submission was read);
* every inherited socket, pipe and writable file but its result pipe replaced by
  ``/dev/null`` (the worker's PostgreSQL, Redis and MLflow sockets; read-only
  regular files such as matplotlib's cached fonts stay), an environment reduced to a
  few harmless variables, ``PR_SET_PDEATHSIG`` (it dies with the worker).

``RLIMIT_NPROC`` is not set: it counts every task of the uid (the worker's own
threads included, and it is ignored for root), and the child needs threads
(onnxruntime, BLAS). Nothing the scorer runs can start a program anyway.

**Why fork, not a fresh interpreter.** A benchmark is a Python object built
from settings at start-up (seed callables, loaders, test benchmarks registered
at run time); pickling it to a new interpreter is not possible in general.
The child is forked at the moment of scoring and runs only the scorer; it
never touches Django, the database or the queue (their descriptors are closed)
and leaves with ``os._exit`` (no atexit handlers, no finalizers that could speak
on the parent's connections). Forking a process with threads (Huey's
scheduler, the fleet heartbeat) is safe for this narrow use: CPython resets
the import lock and ``logging``'s locks after fork, glibc its malloc locks, and
OpenBLAS its thread pool; a lock held by another thread in some other library
at the instant of the fork could deadlock the child, which the timeout then
ends (charged to the submission: a residual risk we accept and log).

**Trust.** The child is not trusted once it has started on the submission's
bytes. It first writes a one-line *ready* message after its set-up; anything
that goes wrong after that (an exception, a signal, a timeout, memory, a
malformed or oversized answer) is the submission's doing. Only a failure to
start the child, or a set-up failure reported before *ready*, is the
platform's (:class:`CouldNotStart`). The answer is JSON, never a pickle, so
a child subverted through a parser bug cannot run code in the worker. What the
child *can* still reach is what the worker's uid can read on disk and the
worker's memory image (a fork copies it): closing that needs an exec'd child
under another uid, which is future work (docs/security.md).

This module imports no Django: the runner passes the limits in.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import select
import signal
import stat
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
MAX_RESULT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What the child may use. ``what`` names the work in failure reasons."""

    timeout_s: float
    memory_mb: int
    max_file_mb: int = 256
    require_no_network: bool = False
    what: str = "scoring"
    culprit: str = "the submission's output"


class Stopped(Exception):
    """The child failed after it started on the submission's bytes: the submission's fault.

    ``kind`` is one of ``timeout``, ``cpu``, ``memory``, ``signal``, ``exit``,
    ``exception``, ``rejected`` (a ScoringError), ``bad_answer``."""

    def __init__(self, reason: str, *, kind: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.kind, self.detail = reason, kind, detail


class Cancelled(Exception):
    """``should_cancel()`` said stop; the child was killed."""


class CouldNotStart(Exception):
    """The child could not be set up (fork, pipe, required isolation): the platform's fault."""


@dataclass(frozen=True)
class Outcome:
    value: Any
    network_isolated: str  # "netns", "userns+netns" or "" (not isolated)
    seconds: float


def run(
    func: Callable[..., Any],
    *args: Any,
    limits: Limits,
    on_tick: Callable[[], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    cancel_every_s: float = 1.0,
) -> Outcome:
    """``func(*args)`` in a limited child; its JSON-serialisable return value.

    ``on_tick`` is called about every 0.2 s while waiting (the job's heartbeat throttles
    itself), ``should_cancel`` about every ``cancel_every_s``. Raises :class:`Stopped`,
    :class:`Cancelled` or :class:`CouldNotStart`; ``func``'s exception arrives as
    ``Stopped(kind="exception")`` (``"rejected"`` for a ScoringError, ``"memory"`` for a
    MemoryError) whose ``detail`` holds the child's traceback for the worker's log."""
    try:
        read_fd, write_fd = os.pipe()
    except OSError as exc:
        raise CouldNotStart(f"no pipe for the {limits.what} process: {exc}") from exc
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise CouldNotStart(f"could not fork the {limits.what} process: {exc}") from exc
    if pid == 0:  # the child never returns from here
        os.close(read_fd)
        _child(write_fd, parent, func, args, limits)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also done by the child: whichever runs first
    except OSError:
        pass
    started = time.monotonic()
    try:
        status, data = _wait(pid, read_fd, limits, on_tick, should_cancel, cancel_every_s, started)
    finally:
        os.close(read_fd)
        _kill(pid)
    return _outcome(status, data, limits, time.monotonic() - started)


# --- the parent's side ---------------------------------------------------------------------


def _wait(
    pid: int, read_fd: int, limits: Limits, on_tick, should_cancel, cancel_every_s: float, started: float
) -> tuple[int | None, bytes]:
    """Read the child's answer until it exits; returns (wait status, bytes read)."""
    deadline = started + limits.timeout_s
    next_cancel_check = started + cancel_every_s
    chunks, size, eof, status = [], 0, False, None
    while True:
        if not eof:
            readable, _, _ = select.select([read_fd], [], [], 0.2)
            if readable:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    eof = True
                else:
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_RESULT_BYTES:
                        _kill(pid)
                        raise Stopped(
                            f"{limits.what} stopped: its answer exceeded {MAX_RESULT_BYTES >> 20} MiB "
                            f"({limits.culprit} is the cause)",
                            kind="bad_answer",
                        )
        else:
            time.sleep(0.05)
        if status is None:
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            if done:
                status = wait_status
        if status is not None and (eof or not _readable(read_fd)):
            # Exited; a descendant holding the pipe open must not keep us waiting.
            return status, b"".join(chunks)
        now = time.monotonic()
        if now >= deadline:
            _kill(pid)
            raise Stopped(
                f"{limits.what} stopped after {limits.timeout_s:g} s: {limits.culprit} did not finish in time",
                kind="timeout",
            )
        if on_tick is not None:
            on_tick()
        if should_cancel is not None and now >= next_cancel_check:
            next_cancel_check = now + cancel_every_s
            if should_cancel():
                _kill(pid)
                raise Cancelled()


def _readable(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def _kill(pid: int) -> None:
    """SIGKILL the child's process group (and the child, had it not made one yet) and reap it."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _outcome(status: int | None, data: bytes, limits: Limits, seconds: float) -> Outcome:
    first, _, rest = data.partition(b"\n")
    try:
        ready = json.loads(first) if first else None
    except ValueError:
        ready = None
    if not isinstance(ready, dict) or "ready" not in ready:
        # Nothing of the submission was touched before "ready": a set-up failure is ours.
        problem = ready.get("setup_failed") if isinstance(ready, dict) else None
        raise CouldNotStart(f"the {limits.what} process did not start: {problem or _ended(status)}")
    network = str(ready.get("network", ""))
    try:
        answer = json.loads(rest) if rest.strip() else None
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "ok" in answer:
        return Outcome(value=answer["ok"], network_isolated=network, seconds=seconds)
    if isinstance(answer, dict) and "error" in answer:
        raise _stopped_by(answer, limits)
    if status is not None and os.WIFSIGNALED(status):
        raise _stopped_by_signal(os.WTERMSIG(status), limits)
    raise Stopped(
        f"{limits.what} stopped: its process {_ended(status)} without an answer ({limits.culprit} is the cause)",
        kind="exit" if status is not None else "bad_answer",
    )


def _ended(status: int | None) -> str:
    if status is None:
        return "ended"
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.WEXITSTATUS(status)}"


def _stopped_by(answer: dict, limits: Limits) -> Stopped:
    error = answer.get("error")
    error = error if isinstance(error, dict) else {}
    kind_of = str(error.get("kind", "exception"))
    message = str(error.get("message", ""))[:500]
    detail = str(error.get("traceback", ""))[:4000]
    if kind_of == "rejected":
        return Stopped(message, kind="rejected", detail=detail)
    if kind_of == "memory":
        return Stopped(
            f"{limits.what} stopped: {limits.culprit} needed more than {limits.memory_mb} MiB of memory",
            kind="memory",
            detail=detail,
        )
    name = str(error.get("type", "Exception"))[:80]
    return Stopped(f"{limits.what} failed on {limits.culprit}: {name}: {message}", kind="exception", detail=detail)


def _stopped_by_signal(number: int, limits: Limits) -> Stopped:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    if number == signal.SIGXCPU:
        return Stopped(
            f"{limits.what} stopped: {limits.culprit} used more than {limits.timeout_s:g} s of CPU", kind="cpu"
        )
    if number == signal.SIGKILL:
        # Not our timeout (that raised before): the kernel's OOM killer or an operator.
        return Stopped(
            f"{limits.what} stopped: its process was killed (SIGKILL; out of memory?) on {limits.culprit}",
            kind="signal",
        )
    return Stopped(f"{limits.what} crashed on {limits.culprit} ({name})", kind="signal")


# --- the child's side ----------------------------------------------------------------------


def _child(write_fd: int, parent: int, func, args, limits: Limits) -> None:
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
