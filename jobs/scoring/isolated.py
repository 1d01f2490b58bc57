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

import json
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs.scoring.isolated_child import child as _child

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
