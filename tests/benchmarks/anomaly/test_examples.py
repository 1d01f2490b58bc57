"""The example submissions run end to end against a prepared category.

Where bubblewrap works, each example runs with the whole file system
read-only except /tmp and without network, like in the platform's sandbox:
that checks it writes nowhere but OUTDIR and /tmp and downloads nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.anomaly.benchmark import EXAMPLES_DIR

QUALITY = ("image_auc", "image_f1", "pixel_auc", "pixel_f1", "pixel_pro")


def _sandbox_prefix() -> list[str]:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return []
    prefix = [
        bwrap,
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--bind",
        "/tmp",
        "/tmp",
        "--unshare-net",
    ]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else []


def run_example(name: str, public: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LB_DATASET_DIR": str(public), "LB_BENCHMARK": "anomaly-gravel"}
    command = [*_sandbox_prefix(), sys.executable, "main.py", "--config", "config.yaml", "--output", str(out)]
    return subprocess.run(command, cwd=EXAMPLES_DIR / name, env=env, capture_output=True, text=True, timeout=300)


def check_scores(prepared, out: Path, tmp_path: Path) -> dict[str, float]:
    benchmark, _, hidden = prepared
    result = benchmark.score(out, hidden, artifact_dir=tmp_path / "artifacts")
    for name in QUALITY:
        assert 0.0 <= result.metrics[name] <= 1.0
    assert "timings.json" in result.notes["inference_time_ms_source"]
    return result.metrics


def test_gaussian_example_end_to_end(prepared, tmp_path):
    completed = run_example("anomaly-gaussian", prepared[1], tmp_path / "out")
    assert completed.returncode == 0, completed.stderr[-2000:]
    metrics = check_scores(prepared, tmp_path / "out", tmp_path)
    assert metrics["image_auc"] > 0.5


@pytest.mark.slow
def test_padim_example_end_to_end(prepared, tmp_path):
    completed = run_example("anomaly-padim", prepared[1], tmp_path / "out")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert sorted(os.listdir(tmp_path / "out")) == ["predictions.npz", "timings.json"]
    metrics = check_scores(prepared, tmp_path / "out", tmp_path)
    assert metrics["pixel_auc"] > 0.6
