"""The example submissions follow the output contract and write nowhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from benchmarks.maze.benchmark import MazeBenchmark

PROJECT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.parametrize("example", ["maze-ppo", "maze-dqn"])
def test_example_writes_only_the_contract_and_scores(tmp_path, example):
    bench = MazeBenchmark(train_count=10, eval_count=6, episodes_per_maze=1)
    bench.prepare(tmp_path / "public", tmp_path / "hidden")
    config = yaml.safe_load((PROJECT / "examples" / example / "config.yaml").read_text())
    config.update(total_timesteps=2048, n_envs=8, log_every_steps=1024)
    if example == "maze-dqn":
        config["dqn"]["learning_starts"] = 256
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    workdir, out = tmp_path / "cwd", tmp_path / "out"
    workdir.mkdir()
    env = {
        **os.environ,
        "LB_DATASET_DIR": str(tmp_path / "public"),
        "PYTHONPATH": str(PROJECT),
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
    }  # an MLflow call would fail loudly
    subprocess.run(
        [
            sys.executable,
            str(PROJECT / "examples" / example / "main.py"),
            "--config",
            str(tmp_path / "config.yaml"),
            "--output",
            str(out),
        ],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        timeout=240,
    )
    assert sorted(p.name for p in out.iterdir()) == ["policy.json", "policy.onnx"]
    assert list(workdir.iterdir()) == []
    score = bench.score(out, tmp_path / "hidden", artifact_dir=tmp_path / "artifacts")
    assert 0.0 <= score.metrics["success_rate"] <= 1.0
