"""A submission's output: listed without following links, capped hard (bytes and files), copied out safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import ResourceClass, output_size_bytes, safe_output_files
from sandbox.output_mount import _process_identity, copy_out, sweep_stale
from sandbox.outputs import output_verdict


def test_safe_output_files_skips_links_and_special_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("ground truth")
    out = tmp_path / "out"
    (out / "nested").mkdir(parents=True)
    (out / "a.json").write_text("{}")
    (out / "nested" / "b.npy").write_bytes(b"\0" * 10)
    (out / "to-file").symlink_to(secret)
    (out / "to-dir").symlink_to(tmp_path)  # would list secret.txt if followed
    os.link(secret, out / "hard.txt")
    os.mkfifo(out / "pipe")
    assert safe_output_files(out) == [out / "a.json", out / "nested" / "b.npy"]


def test_output_size_counts_regular_files_only(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 5000)
    out = tmp_path / "out"
    out.mkdir()
    (out / "small.bin").write_bytes(b"\0" * 100)
    (out / "link").symlink_to(big)
    assert output_size_bytes(out) == 100
    assert output_size_bytes(tmp_path / "missing") == 0
    assert output_size_bytes(out, stop_above=50) > 50


# --- The hard cap: a capped mount per run (sandbox/output_mount.py), under both backends ---------

FLOOD = ResourceClass(
    name="flood", timeout_s=60, memory_mb=512, cpus=1.0, max_procs=32, max_output_mb=8, max_output_files=1000
)
SLACK = 64 * 2**20


def _tree_bytes(folder: Path) -> int:
    """Bytes the files under ``folder`` hold on disk (allocated blocks: sparse files count as stored)."""
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
    return total


def _mounts(base: Path) -> set[str]:
    return {line for line in Path("/proc/self/mounts").read_text().splitlines() if f" {base}/lb-output-" in line}


@pytest.mark.skipif(os.geteuid() != 0, reason="the capped output mount needs a root worker")
@pytest.mark.parametrize("backend", ["bubblewrap", "docker"])
def test_an_endless_writer_grows_the_data_dir_by_at_most_its_limit(
    backend, workspace, run_hostile, tmp_path, monkeypatch
):
    # This run's capped output under a folder of its own: jobs of other tests (other xdist workers, other
    # suites on the machine) mount theirs meanwhile, under the shared default.
    base = tmp_path / "mounts"
    base.mkdir()
    monkeypatch.setenv("LB_SANDBOX_OUTPUT_MOUNT_DIR", str(base))
    before, mounts_before = _tree_bytes(workspace.data_dir), _mounts(base)
    outcome = run_hostile(backend, workspace, "output_flood.py", resources=FLOOD, targets={"mode": "spread"})
    grown = _tree_bytes(workspace.data_dir) - before
    assert outcome.kind == "output_limit", workspace.log_text()
    assert outcome.reason == "output over 8 MiB"
    assert grown <= FLOOD.max_output_mb * 2**20 + SLACK, f"the data dir grew by {grown / 2**20:.0f} MiB"
    assert mounts_before == set() and _mounts(base) == set()  # this run's mount is gone


@pytest.mark.skipif(os.geteuid() != 0, reason="the capped output mount needs a root worker")
@pytest.mark.parametrize("backend", ["bubblewrap", "docker"])
def test_an_output_of_100000_files_fails_with_a_reason(backend, workspace, run_hostile):
    outcome = run_hostile(
        backend, workspace, "output_flood.py", resources=FLOOD, targets={"mode": "files", "files": 100_000}
    )
    assert outcome.kind == "output_limit", workspace.log_text()
    assert outcome.reason == "output has more than 1000 files"
    copied = sum(len(dirs) + len(files) for _, dirs, files in os.walk(workspace.output_dir))
    assert copied <= FLOOD.max_output_files


def test_the_file_limit_is_checked_where_there_is_no_mount(tmp_path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    for i in range(5):
        (out / "sub" / f"{i}.txt").write_text("x")
    assert output_verdict(out, max_bytes=100, max_files=6) is None  # 5 files and a folder
    assert output_verdict(out, max_bytes=100, max_files=5) == "files"
    assert output_verdict(out, max_bytes=4, max_files=100) == "bytes"


def test_copy_out_follows_no_link_the_sandbox_wrote(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("ground truth")
    source, target = tmp_path / "sandbox-output", tmp_path / "job-output"
    (source / "nested").mkdir(parents=True)
    target.mkdir()
    (source / "a.json").write_text("{}")
    (source / "nested" / "b.npy").write_bytes(b"\0" * 10)
    (source / "to-file").symlink_to(secret)
    (source / "to-dir").symlink_to(tmp_path)
    os.link(secret, source / "hard.txt")
    os.mkfifo(source / "pipe")
    copy_out(source, target, max_bytes=1000, max_files=100)
    assert (target / "to-file").is_symlink() and os.readlink(target / "to-file") == str(secret)
    assert (target / "to-dir").is_symlink()
    assert not (target / "hard.txt").exists() and not (target / "pipe").exists()
    assert safe_output_files(target) == [target / "a.json", target / "nested" / "b.npy"]
    assert (target / "nested" / "b.npy").read_bytes() == b"\0" * 10


def test_a_dead_workers_capped_output_is_swept(tmp_path):
    dead = tmp_path / "lb-output-dead"
    (dead / "output").mkdir(parents=True)
    (dead / "owner").write_text("999999999 1")  # no such process
    alive = tmp_path / "lb-output-alive"
    (alive / "output").mkdir(parents=True)
    (alive / "owner").write_text(_process_identity(os.getpid()))
    sweep_stale(tmp_path)
    assert not dead.exists() and alive.exists()


def test_copy_out_stops_at_the_limits(tmp_path):
    source, target = tmp_path / "s", tmp_path / "t"
    source.mkdir()
    target.mkdir()
    for i in range(10):
        (source / f"{i}.bin").write_bytes(b"x" * 100)
    copy_out(source, target, max_bytes=350, max_files=100)
    assert sum(p.stat().st_size for p in target.iterdir()) <= 350
    (tmp_path / "t2").mkdir()
    copy_out(source, tmp_path / "t2", max_bytes=10**6, max_files=4)
    assert len(list((tmp_path / "t2").iterdir())) == 4
