"""Example maze submission: train DQN on the public training mazes, write an ONNX policy.

    python main.py --config config.yaml --output OUTDIR

Reads the maze set from ``$LB_DATASET_DIR/train_mazes.json``; writes only
``OUTDIR/policy.onnx`` and ``OUTDIR/policy.json`` (scratch files go to /tmp).
The env and trainer come from the project's ``benchmarks.maze`` package, which
the platform puts on the Python path.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import yaml

from benchmarks.maze.train import train


def print_progress(report: dict) -> None:
    if report["success_rate"] is not None:
        print(
            f"step {report['timesteps']:>9,}  episodes {report['episode']:>7,}  "
            f"reward {report['reward']:+.3f}  success {report['success_rate']:.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text()) or {}
    # A "k seeds" run (lb submit --seeds k) sets LB_TRAIN_SEED; otherwise the config's seed.
    config["seed"] = int(os.environ.get("LB_TRAIN_SEED") or config.get("seed", 0))
    dataset = Path(os.environ["LB_DATASET_DIR"])
    config.setdefault("maze_set", {})["path"] = str(dataset / "train_mazes.json")
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="maze-example-") as scratch:
        result = train(config, models_dir=scratch, use_mlflow=False, on_progress=print_progress)
        shutil.copyfile(result.onnx_path, args.output / "policy.onnx")
    (args.output / "policy.json").write_text(json.dumps({"sampling": "greedy", **result.metadata}, indent=2))
    print(f"deterministic success on training mazes: {result.success_rate:.3f}")


if __name__ == "__main__":
    main()
