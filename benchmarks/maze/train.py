"""Train a maze policy with PPO or DQN (Stable-Baselines3), log to MLflow, export ONNX.

    python -m benchmarks.maze.train --config benchmarks/maze/configs/ppo.yaml \
        [--tracking-uri URI] [--models-dir var/models/maze] [--timesteps N] [--no-mlflow]

From code (the viewer's training console)::

    from benchmarks.maze.train import train
    result = train({"algorithm": "dqn", "total_timesteps": 50000},
                   on_progress=print, stop_requested=lambda: False)

MLflow: tracking URI from ``tracking_uri``, else ``MLFLOW_TRACKING_URI``, else a
local sqlite store in ``<models_dir>/mlflow``. Metrics ``reward``,
``episode_length``, ``loss``, ``success_rate`` (rolling window) while training,
``eval_success_rate`` at the end; params from the config; tag ``algorithm``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.maze.config import flat_params, load_config, maze_set_from_config, resolve_config
from benchmarks.maze.engine import OBS_ENCODING_VERSION
from benchmarks.maze.progress import ProgressCallback, ProgressHook

DEFAULT_MODELS_DIR = Path(os.environ.get("LB_MODELS_DIR", "var/models/maze"))
VERIFY_OBSERVATIONS = 4096
EVAL_MAZES = 200


@dataclass
class TrainResult:
    onnx_path: Path
    sidecar_path: Path
    metadata: dict[str, Any]
    success_rate: float  # deterministic policy on (up to 200 of) the training mazes
    timesteps: int
    stopped_early: bool = False
    mlflow_run_id: str | None = None
    registered_version: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


def build_model(config: Mapping[str, Any], env):
    import torch
    from stable_baselines3 import DQN, PPO

    torch.set_num_threads(int(config.get("torch_threads", 1)))
    policy_kwargs = {"net_arch": list(config["policy"]["net_arch"])}
    algorithm = config["algorithm"]
    cls, hyper = (PPO, config["ppo"]) if algorithm == "ppo" else (DQN, config["dqn"])
    return cls(
        "MlpPolicy", env, policy_kwargs=policy_kwargs, seed=int(config["seed"]), verbose=0, device="cpu", **hyper
    )


def sample_observations(mazes, count: int, seed: int) -> np.ndarray:
    """Realistic observations (random walks) for checking the ONNX export."""
    from benchmarks.maze.vector import VectorMazeEnv

    env = VectorMazeEnv(mazes, 64, seed=seed)
    rng = np.random.default_rng(seed)
    chunks = [env.reset()]
    while sum(len(c) for c in chunks) < count:
        chunks.append(env.step(rng.integers(4, size=64)).obs)
    return np.concatenate(chunks)[:count]


def deterministic_success(model, mazes) -> float:
    from benchmarks.maze.rollout import run_episodes

    episodes = run_episodes(lambda obs: model.predict(obs, deterministic=True)[0], mazes[:EVAL_MAZES])
    return float(episodes.success.mean())


def train(
    config: Mapping[str, Any],
    *,
    on_progress: ProgressHook | None = None,
    stop_requested: Callable[[], bool] | None = None,
    tracking_uri: str | None = None,
    models_dir: Path | str = DEFAULT_MODELS_DIR,
    use_mlflow: bool = True,
    show_progress_bar: bool = False,
) -> TrainResult:
    """Train, export ``policy`` ONNX + JSON sidecar under ``models_dir``, log to MLflow."""
    from benchmarks.maze import tracking
    from benchmarks.maze.onnx_export import export_onnx, verify_onnx
    from benchmarks.maze.sb3_env import Sb3MazeVecEnv

    config = resolve_config(config)
    models_dir = Path(models_dir)
    algorithm, total = config["algorithm"], int(config["total_timesteps"])
    maze_set_name, mazes = maze_set_from_config(config["maze_set"])
    env = Sb3MazeVecEnv(
        mazes, int(config["n_envs"]), seed=int(config["seed"]), exploration_bonus=float(config["exploration_bonus"])
    )
    model = build_model(config, env)
    run = tracking.start_run(config, tracking_uri, models_dir) if use_mlflow else None
    try:
        if run is not None:
            tracking.log_params(flat_params(config))
        callback = ProgressCallback(
            total,
            log_every_steps=int(config["log_every_steps"]),
            rolling_window=int(config["rolling_window"]),
            log_metrics=tracking.log_metrics if run is not None else None,
            on_progress=on_progress,
            stop_requested=stop_requested,
            show_bar=show_progress_bar,
        )
        # log_interval huge: SB3 never dumps (and clears) its logger, so the
        # callback can read the latest train/loss.
        model.learn(total_timesteps=total, callback=callback, log_interval=10**9)
        success = deterministic_success(model, mazes)
        trained_at = datetime.now(UTC)
        stem = f"maze-{algorithm}-{trained_at.strftime('%Y%m%dT%H%M%SZ')}"
        onnx_path = export_onnx(model, algorithm, models_dir / f"{stem}.onnx")
        check = verify_onnx(
            model, algorithm, onnx_path, sample_observations(mazes, VERIFY_OBSERVATIONS, int(config["seed"]) + 1)
        )
        metadata = {
            "algorithm": algorithm,
            "trained_at": trained_at.isoformat(),
            "success_rate": success,
            "maze_set": maze_set_name,
            "obs_encoding_version": OBS_ENCODING_VERSION,
            "timesteps": int(model.num_timesteps),
            "onnx_check": check,
        }
        sidecar = onnx_path.with_suffix(".json")
        sidecar.write_text(json.dumps(metadata, indent=2))
        version = None
        if run is not None:
            tracking.log_metrics({"eval_success_rate": success}, int(model.num_timesteps))
            version = tracking.log_policy(onnx_path, sidecar, config["mlflow"].get("registered_model"))
        return TrainResult(
            onnx_path,
            sidecar,
            metadata,
            success,
            int(model.num_timesteps),
            callback.stopped_early,
            run.info.run_id if run else None,
            version,
            callback.history,
        )
    finally:
        if run is not None:
            tracking.end_run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train a maze policy (PPO/DQN) and export it to ONNX.")
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS_DIR)
    parser.add_argument("--timesteps", type=int, default=None, help="override total_timesteps")
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.timesteps:
        config["total_timesteps"] = args.timesteps
    result = train(
        config,
        tracking_uri=args.tracking_uri,
        models_dir=args.models_dir,
        use_mlflow=not args.no_mlflow,
        show_progress_bar=True,
    )
    print(f"success rate (deterministic, training mazes): {result.success_rate:.3f}")
    print(f"policy: {result.onnx_path}\nsidecar: {result.sidecar_path}")
    if result.mlflow_run_id:
        print(f"MLflow run: {result.mlflow_run_id}  registered version: {result.registered_version}")


if __name__ == "__main__":
    main()
