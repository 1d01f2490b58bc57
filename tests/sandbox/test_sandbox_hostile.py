"""Hostile submissions: contained under bubblewrap and docker (on podman), escaping under ``none``.

Every test runs against every backend. Under ``none`` the same submission
must visibly succeed at its attack, which proves the test would catch a
sandbox that lets it through.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox import safe_output_files

CONTAINED = ("bubblewrap", "docker")


def test_tcp_to_loopback_listener(backend, workspace, run_hostile):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        outcome = run_hostile(backend, workspace, "network_loopback.py", targets={"port": listener.getsockname()[1]})
    assert outcome.kind == "ok", workspace.log_text()
    result = workspace.result()
    if backend in CONTAINED:
        assert result["connected"] is False
        assert result["error"] == errno.ECONNREFUSED  # its own empty loopback
    else:
        assert result["connected"] is True


def test_tcp_to_outside_address(backend, workspace, run_hostile):
    outcome = run_hostile(backend, workspace, "network_outside.py")
    assert outcome.kind == "ok", workspace.log_text()
    result = workspace.result()
    if backend in CONTAINED:
        assert result["result"] == "unreachable"
        assert result["interfaces"] == ["lo"]
    else:
        assert result["result"] != "unreachable"
        assert len(result["interfaces"]) > 1


def test_writes_outside_output(backend, workspace, run_hostile):
    host_tmp_file = Path("/tmp") / f"lb-escape-{workspace.token}"
    root_file = Path(f"/lb-escape-{workspace.token}")
    try:
        outcome = run_hostile(backend, workspace, "write_places.py", targets={"host_tmp_file": str(host_tmp_file)})
        assert outcome.kind == "ok", workspace.log_text()
        written = workspace.result()["written"]
        planted = {
            "code": (workspace.code_dir / "planted.py").exists(),
            "root": root_file.exists(),
            "host_tmp": host_tmp_file.exists(),
            "data_dir": (workspace.data_dir / f"planted-{workspace.token}").exists(),
        }
        if backend in CONTAINED:
            # /tmp inside is its own private tmpfs: writable, and gone afterwards.
            assert written == {"code": False, "root": False, "host_tmp": True, "data_dir": False}
            assert not any(planted.values())
        else:
            assert all(written.values()) and all(planted.values())
    finally:
        host_tmp_file.unlink(missing_ok=True)
        root_file.unlink(missing_ok=True)


def test_reading_hidden_data_and_other_submissions(backend, workspace, run_hostile):
    outcome = run_hostile(backend, workspace, "read_hidden.py")
    assert outcome.kind == "ok", workspace.log_text()
    result = workspace.result()
    if backend in CONTAINED:
        assert result["found"] == {"hidden_file": None, "other_submission": None}
        assert result["walked"] == []
    else:
        assert result["found"]["hidden_file"] == f"GROUND-TRUTH-{workspace.token}"
        assert result["found"]["other_submission"] == f"print('OTHER-SUBMISSION-{workspace.token}')"
        assert str(workspace.hidden_file) in result["walked"]


def test_platform_secrets(backend, workspace, run_hostile, monkeypatch):
    planted = {key: f"{key}-{workspace.token}" for key in ("SECRET_KEY", "DATABASE_URL", "MLFLOW_TRACKING_PASSWORD")}
    for key, value in planted.items():
        monkeypatch.setenv(key, value)  # the worker's os.environ; callers pass a scrubbed env
    # A process started with the platform's environment, as the worker itself is:
    # its /proc/PID/environ holds the secrets.
    seed_file = workspace.data_dir / "hidden-seed"  # where jobs.scoring.seed keeps the installation's seed
    seed_file.write_text(f"seed-{workspace.token}")
    worker_like = subprocess.Popen(["sleep", "30"], env={**os.environ, **planted})
    try:
        outcome = run_hostile(backend, workspace, "read_secrets.py", targets={"seed_file": str(seed_file)})
    finally:
        worker_like.kill()
        worker_like.wait()
    assert outcome.kind == "ok", workspace.log_text()
    result = workspace.result()
    assert result["own_env"] == {}  # every backend scrubs the job's own environment
    if backend in CONTAINED:
        assert result["leaked"] == {}
    else:
        assert result["leaked"]["hidden-seed"] == f"seed-{workspace.token}"
        # Whether the worker's /proc/PID/environ is readable too depends on the host (uid,
        # hidepid, LSM ptrace rules); when it is, those secrets leak as well.
        assert set(result["leaked"]) <= {"hidden-seed", *planted}


def test_fork_bomb(backend, workspace, run_hostile, tiny):
    outcome = run_hostile(backend, workspace, "fork_bomb.py")
    assert outcome.kind == "ok", workspace.log_text()
    result = workspace.result()
    if backend in CONTAINED:
        assert result["children"] < tiny.max_procs
        assert result["failure"] == "Resource temporarily unavailable"
    else:
        assert result["children"] == 300


def test_memory_past_limit(backend, workspace, run_hostile, tiny):
    outcome = run_hostile(backend, workspace, "memory_hog.py", targets={"allocate_mb": 3 * tiny.memory_mb})
    if backend in CONTAINED:
        assert outcome.kind == "oom", workspace.log_text()
        assert outcome.reason == "out of memory (limit 256 MiB)"
        assert not (workspace.output_dir / "result.json").exists()
    else:
        assert outcome.kind == "ok"
        assert workspace.result()["allocated_mb"] == 3 * tiny.memory_mb


@pytest.mark.slow
def test_timeout_leaves_no_survivor(backend, workspace, run_hostile, tiny):
    outcome = run_hostile(backend, workspace, "survivor.py", resources=replace(tiny, timeout_s=2))
    assert outcome.kind == "timeout"
    assert outcome.reason == "timeout after 2 s"
    assert outcome.exit_code is None
    assert "looping forever" in workspace.log_text()
    heartbeat = workspace.output_dir / "heartbeat"
    assert heartbeat.exists(), "the survivor never started"
    before = heartbeat.read_text()
    time.sleep(0.8)
    still_beating = heartbeat.read_text() != before
    if backend in CONTAINED:
        assert not still_beating
    else:
        assert still_beating
        os.kill(int((workspace.output_dir / "survivor.pid").read_text()), signal.SIGKILL)


def test_output_past_limit(backend, workspace, run_hostile, tiny):
    limit = tiny.max_output_mb * 2**20
    outcome = run_hostile(backend, workspace, "output_flood.py", targets={"write_mb": 5})
    assert outcome.kind == "output_limit", workspace.log_text()
    assert outcome.reason == "output over 1 MiB"
    size_on_disk = (workspace.output_dir / "big.bin").stat().st_size
    if backend in CONTAINED:
        assert size_on_disk <= limit  # stopped at the limit by RLIMIT_FSIZE
    else:
        assert size_on_disk == 5 * 2**20  # the disk took all of it


def test_links_in_output_are_not_followed(backend, workspace, run_hostile):
    outcome = run_hostile(backend, workspace, "output_links.py")
    assert outcome.kind == "ok", workspace.log_text()
    link = workspace.output_dir / "predictions.json"
    # The danger is real on the host whatever the backend: a naive reader
    # (scorer, artifact upload) following the link reads the ground truth.
    assert link.is_symlink() and link.read_text() == f"GROUND-TRUTH-{workspace.token}"
    hardlinked = workspace.result()["hardlinked"]
    assert hardlinked is (backend not in CONTAINED)
    assert safe_output_files(workspace.output_dir) == [
        workspace.output_dir / "honest.json",
        workspace.output_dir / "result.json",
    ]
