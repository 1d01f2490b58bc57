"""jobs/scoring/isolated.py: what runs in the scoring child is held to its limits, cut off
from the network and the worker's connections, and whatever it does is the submission's fault."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from benchmarks.base import ScoringError
from jobs.scoring import isolated

LIMITS = isolated.Limits(timeout_s=3, memory_mb=128)


def _spin():
    while True:
        pass


def _allocate(mib: int) -> int:
    return len(bytearray(mib * 1024 * 1024))


def test_a_hang_is_stopped_at_the_timeout():
    started = time.monotonic()
    with pytest.raises(isolated.Stopped) as stopped:
        isolated.run(_spin, limits=LIMITS)
    assert stopped.value.kind == "timeout" and "stopped after 3 s" in stopped.value.reason
    assert time.monotonic() - started < LIMITS.timeout_s + 2


def test_memory_past_the_budget_fails_in_the_child_not_the_worker():
    assert isolated.run(_allocate, 16, limits=LIMITS).value == 16 * 2**20
    before = os.getpid()
    with pytest.raises(isolated.Stopped) as stopped:
        isolated.run(_allocate, 2048, limits=LIMITS)
    assert stopped.value.kind == "memory" and "more than 128 MiB" in stopped.value.reason
    assert os.getpid() == before


def _connect(port: int) -> str:
    interfaces = sorted(name for _, name in socket.if_nameindex())
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return f"connected via {interfaces}"
    except OSError as exc:
        return f"{type(exc).__name__} via {interfaces}"


def test_the_child_has_no_network():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        outcome = isolated.run(_connect, listener.getsockname()[1], limits=LIMITS)
    assert outcome.network_isolated in ("netns", "userns+netns")
    assert not outcome.value.startswith("connected"), outcome.value
    assert outcome.value.endswith("via ['lo']")


def _use_descriptor(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return "closed"


def test_the_workers_sockets_and_writable_files_are_taken_from_the_child(tmp_path):
    with (
        socket.create_connection(("127.0.0.1", _listening_port())) as connection,
        open(tmp_path / "secret", "w") as handle,
    ):
        for fd in (connection.fileno(), handle.fileno()):
            assert isolated.run(_use_descriptor, fd, limits=LIMITS).value == "/dev/null"
            assert _use_descriptor(fd) != "/dev/null"  # the worker's own are untouched


_LISTENER = socket.socket()


def _listening_port() -> int:
    if _LISTENER.getsockname()[1] == 0:
        _LISTENER.bind(("127.0.0.1", 0))
        _LISTENER.listen()
    return _LISTENER.getsockname()[1]


def _raise(kind: str):
    if kind == "scoring":
        raise ScoringError("predictions.json: not JSON")
    if kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "exit":
        os._exit(0)
    raise KeyError("a scorer bug or a hostile input")


@pytest.mark.parametrize(
    "kind, expected, words",
    [
        ("scoring", "rejected", "predictions.json: not JSON"),
        ("segv", "signal", "crashed on the submission's output (SIGSEGV)"),
        ("exit", "exit", "without an answer"),
        ("other", "exception", "KeyError"),
    ],
)
def test_every_failure_in_the_child_is_the_submissions(kind, expected, words):
    with pytest.raises(isolated.Stopped) as stopped:
        isolated.run(_raise, kind, limits=LIMITS)
    assert stopped.value.kind == expected and words in stopped.value.reason


def _forge_a_setup_failure():
    for fd in range(3, 64):  # the result pipe is the only descriptor left open
        try:
            os.write(fd, b'\n{"setup_failed": "forged"}\n')
        except OSError:
            continue
    os._exit(3)


def test_a_subverted_child_cannot_claim_a_platform_failure():
    with pytest.raises(isolated.Stopped):
        isolated.run(_forge_a_setup_failure, limits=LIMITS)


def _sleep_and_report(path: str) -> None:
    with open(path, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(60)


def test_the_worker_keeps_its_heartbeat_and_a_cancel_kills_the_child(tmp_path):
    ticks = []
    started = time.monotonic()
    with pytest.raises(isolated.Cancelled):
        isolated.run(
            _sleep_and_report,
            str(tmp_path / "pid"),
            limits=isolated.Limits(timeout_s=30, memory_mb=64),
            on_tick=lambda: ticks.append(time.monotonic()),
            should_cancel=lambda: time.monotonic() - started > 1.5,
        )
    assert time.monotonic() - started < 5 and len(ticks) >= 5
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "pid").read_text()), 0)


def test_it_runs_from_a_worker_thread_as_huey_calls_it():
    import threading

    answers = []
    thread = threading.Thread(target=lambda: answers.append(isolated.run(_allocate, 1, limits=LIMITS).value))
    thread.start()
    thread.join(30)
    assert answers == [2**20]
