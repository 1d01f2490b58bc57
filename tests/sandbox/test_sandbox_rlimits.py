"""bubblewrap without cgroups (``LB_SANDBOX_CGROUP=off``): the rlimit fallback still contains."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_cgroups(monkeypatch):
    monkeypatch.setenv("LB_SANDBOX_CGROUP", "off")


def test_memory_limit_by_rlimit_data(workspace, run_hostile, tiny):
    outcome = run_hostile("bubblewrap", workspace, "memory_hog.py", targets={"allocate_mb": 3 * tiny.memory_mb})
    assert outcome.kind == "oom", workspace.log_text()
    assert outcome.reason == "out of memory (limit 256 MiB)"
    assert "MemoryError" in workspace.log_text()


def test_fork_bomb_by_rlimit_nproc(workspace, run_hostile, tiny):
    outcome = run_hostile("bubblewrap", workspace, "fork_bomb.py")
    assert outcome.kind == "ok", workspace.log_text()
    assert workspace.result()["children"] < tiny.max_procs
    assert workspace.result()["failure"] == "Resource temporarily unavailable"


def test_output_by_rlimit_fsize(workspace, run_hostile, tiny):
    outcome = run_hostile("bubblewrap", workspace, "output_flood.py", targets={"write_mb": 5})
    assert outcome.kind == "output_limit"
    assert (workspace.output_dir / "big.bin").stat().st_size <= tiny.max_output_mb * 2**20
