"""Runs one training run (in the Huey worker): maze trainer + progress rows + registry."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings

from agents import services
from agents.models import ModelSource, TrainingRun, TrainingStatus

log = logging.getLogger("agents.training")
STOP_POLL_S = 0.5

MAZE_SETS = {
    # name -> trainer maze_set section. All are public training mazes (seeds 1000..).
    "train-500": {"name": "train", "seed": 1000, "count": 500, "difficulty": "hard"},
    "train-100": {"name": "train", "seed": 1000, "count": 100, "difficulty": "hard"},
    "train-20": {"name": "train", "seed": 1000, "count": 20, "difficulty": "hard"},
}


def trainer_config(params: dict[str, Any]) -> dict[str, Any]:
    """Turn the console's form (validated by the API) into a trainer config."""
    algorithm = params["algorithm"]
    total = int(params["timesteps"])
    n_envs = int(params.get("n_envs") or (16 if algorithm == "ppo" else 8))
    hyper: dict[str, Any] = {"learning_rate": float(params["learning_rate"]), "gamma": float(params["gamma"])}
    if algorithm == "ppo":
        hyper["n_steps"] = 64
        hyper["batch_size"] = min(512, 64 * n_envs)
    else:
        hyper["learning_starts"] = min(5000, max(100, total // 10))
    return {
        "algorithm": algorithm,
        "seed": int(params.get("seed", 0)),
        "total_timesteps": total,
        "n_envs": n_envs,
        # About 50 reports per run, so the console's curves move.
        "log_every_steps": max(n_envs * 8, total // 50),
        "rolling_window": 100,
        "maze_set": dict(MAZE_SETS[params["maze_set"]]),
        algorithm: hyper,
        "mlflow": {"experiment": "maze-training", "registered_model": "maze-policy"},
    }


def _stop_checker(run_id):
    last = {"t": 0.0, "stop": False}

    def stop_requested() -> bool:
        # The trainer asks every step; the database is asked at most twice a second.
        now = time.monotonic()
        if now - last["t"] >= STOP_POLL_S:
            last["t"] = now
            last["stop"] = TrainingRun.objects.filter(pk=run_id, stop_requested=True).exists()
        return last["stop"]

    return stop_requested


def execute(run_id, *, use_mlflow: bool = True) -> TrainingRun:
    """Train, record progress, register the model. Never raises for a training failure."""
    from benchmarks.maze.train import train

    run = TrainingRun.objects.get(pk=run_id)
    if run.status != TrainingStatus.QUEUED or run.stop_requested:
        return run  # stopped before it started, or a duplicate delivery
    if not services.training_mark(run_id=run.pk, status=TrainingStatus.RUNNING, expected=(TrainingStatus.QUEUED,)):
        return TrainingRun.objects.get(pk=run.pk)  # stopped between the check and the start
    try:
        result = train(
            trainer_config(run.params),
            on_progress=lambda report: services.training_progress_record(run_id=run.pk, report=report),
            stop_requested=_stop_checker(run.pk),
            tracking_uri=settings.MLFLOW_TRACKING_URI,
            models_dir=settings.LB_MODELS_DIR / "training",
            use_mlflow=use_mlflow,
        )
        model = services.model_register(
            path=result.onnx_path,
            name=f"trained-{run.params['algorithm']}",
            source=ModelSource.TRAINING,
            metadata={**result.metadata, "training_run": str(run.pk), "mlflow_run_id": result.mlflow_run_id},
            source_ref=str(run.pk),
            created_by=run.owner,
        )
        status = TrainingStatus.STOPPED if result.stopped_early else TrainingStatus.SUCCEEDED
        services.training_mark(
            run_id=run.pk,
            status=status,
            expected=(TrainingStatus.RUNNING,),
            result_model=model,
            mlflow_run_id=result.mlflow_run_id or "",
        )
    except Exception as exc:  # the run records why; the worker carries on
        log.exception("training run %s failed", run.pk)
        services.training_mark(
            run_id=run.pk,
            status=TrainingStatus.FAILED,
            expected=(TrainingStatus.RUNNING,),
            error=f"{type(exc).__name__}: {exc}",
        )
    return TrainingRun.objects.get(pk=run.pk)
