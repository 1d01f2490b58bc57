"""MLflow helpers for maze training (kept apart so train.py stays readable)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mlflow


def resolve_tracking_uri(tracking_uri: str | None, models_dir: Path) -> tuple[str, str | None]:
    """(tracking URI, artifact location for a new experiment or None).

    Order: the argument, ``MLFLOW_TRACKING_URI``, else a local sqlite store
    (with file artifacts) under ``models_dir/mlflow``.
    """
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri, None
    store = (models_dir / "mlflow").resolve()
    store.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{store / 'mlflow.db'}", (store / "artifacts").as_uri()


def start_run(config: Mapping[str, Any], tracking_uri: str | None, models_dir: Path):
    uri, artifact_location = resolve_tracking_uri(tracking_uri, models_dir)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    name = str(config.get("mlflow", {}).get("experiment", "maze-training"))
    experiment = mlflow.get_experiment_by_name(name)
    experiment_id = (
        experiment.experiment_id if experiment else mlflow.create_experiment(name, artifact_location=artifact_location)
    )
    algorithm = str(config["algorithm"])
    return mlflow.start_run(
        experiment_id=experiment_id, run_name=f"maze-{algorithm}", tags={"algorithm": algorithm, "benchmark": "maze"}
    )


def log_params(params: Mapping[str, str]) -> None:
    mlflow.log_params(dict(params))


def log_metrics(metrics: Mapping[str, float], step: int) -> None:
    mlflow.log_metrics({k: float(v) for k, v in metrics.items()}, step=step)


def log_policy(onnx_path: Path, sidecar: Path, registered_model: str | None) -> str | None:
    """Log the ONNX file and sidecar; register it when ``registered_model`` is set.
    Returns the registered version (as a string) or None."""
    import onnx

    mlflow.log_artifact(str(onnx_path), artifact_path="policy")
    mlflow.log_artifact(str(sidecar), artifact_path="policy")
    info = mlflow.onnx.log_model(
        onnx.load(str(onnx_path)),
        name="onnx_policy",
        registered_model_name=registered_model or None,
        pip_requirements=["onnx", "onnxruntime"],
    )
    version = getattr(info, "registered_model_version", None)
    return None if version is None else str(version)


def end_run() -> None:
    mlflow.end_run()
