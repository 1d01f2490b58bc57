"""MLflow experiments and runs, read through MLflow's REST API with the official client."""

from __future__ import annotations

from django.conf import settings
from rest_framework import status

from core.errors import DomainError, NotFound


class TrackingUnavailable(DomainError):
    code = "tracking_unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


def _client():
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=settings.MLFLOW_TRACKING_URI)


def _ui(path: str) -> str:
    return f"{settings.MLFLOW_UI_URL}/#/{path}"


def experiment_list() -> list[dict]:
    try:
        experiments = _client().search_experiments(max_results=200)
    except Exception as exc:
        raise TrackingUnavailable(f"MLflow at {settings.MLFLOW_TRACKING_URI} did not answer: {exc}") from exc
    return [{"id": e.experiment_id, "name": e.name, "lifecycle_stage": e.lifecycle_stage,
             "ui_url": _ui(f"experiments/{e.experiment_id}")} for e in experiments]


def experiment_detail(experiment_id: str, *, max_runs: int = 100) -> dict:
    from mlflow.exceptions import MlflowException

    client = _client()
    try:
        experiment = client.get_experiment(str(experiment_id))
        runs = client.search_runs([experiment.experiment_id], max_results=max_runs,
                                  order_by=["attributes.start_time DESC"])
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise NotFound(f"experiment {experiment_id} does not exist") from exc
        raise TrackingUnavailable(str(exc)) from exc
    except Exception as exc:
        raise TrackingUnavailable(f"MLflow at {settings.MLFLOW_TRACKING_URI} did not answer: {exc}") from exc
    return {
        "id": experiment.experiment_id, "name": experiment.name,
        "ui_url": _ui(f"experiments/{experiment.experiment_id}"),
        "runs": [{"id": r.info.run_id, "name": r.info.run_name, "status": r.info.status,
                  "start_time": r.info.start_time, "end_time": r.info.end_time,
                  "metrics": r.data.metrics, "params": r.data.params, "tags": {
                      k: v for k, v in r.data.tags.items() if not k.startswith("mlflow.")},
                  "ui_url": _ui(f"experiments/{experiment.experiment_id}/runs/{r.info.run_id}")} for r in runs],
    }
