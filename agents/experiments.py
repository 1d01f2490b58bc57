"""MLflow experiments and runs, read through MLflow's REST API with the official client, filtered
by who may see each run (docs/security.md, "Who sees what")."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from rest_framework import status

from agents.models import TrainingRun
from core.errors import DomainError, NotFound


class TrackingUnavailable(DomainError):
    code = "tracking_unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


def _client():
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=settings.MLFLOW_TRACKING_URI)


def _ui(path: str) -> str:
    return f"{settings.MLFLOW_UI_URL}/#/{path}"


def _visible_runs(
    user: AbstractBaseUser, *, experiment_id: str | None = None, limit: int = 1000
) -> tuple[dict[str, str], set[str]]:
    """What a non-staff ``user`` may see in MLflow: {run id: experiment id} of the jobs visible to them
    (their own and those a shown board lists: ``jobs.selectors.jobs_visible_to``, the one rule) and
    the MLflow run ids of their own training runs (whose experiment the database does not keep)."""
    from jobs.selectors import jobs_visible_to

    jobs = jobs_visible_to(user=user).exclude(run_id="")
    if experiment_id is not None:
        jobs = jobs.filter(experiment_id=str(experiment_id))
    job_runs = dict(jobs.order_by("-created_at").values_list("run_id", "experiment_id")[:limit])
    training = set()
    if user.is_authenticated:
        training = set(
            TrainingRun.objects.filter(owner_id=user.pk)
            .exclude(mlflow_run_id="")
            .order_by("-created_at")
            .values_list("mlflow_run_id", flat=True)[:limit]
        )
    return job_runs, training


def experiment_list(*, user: AbstractBaseUser) -> list[dict]:
    """Staff: every experiment. Others: those holding a run they may see."""
    try:
        client = _client()
        experiments = client.search_experiments(max_results=200)
        if not user.is_staff:
            job_runs, training = _visible_runs(user)
            allowed = set(job_runs.values())
            if training:  # where the user's training runs went (few: at most LB_TRAINING_PER_HOUR an hour)
                allowed |= {run.info.experiment_id for run in _runs_by_id(client, None, training)}
            experiments = [e for e in experiments if e.experiment_id in allowed]
    except Exception as exc:
        raise TrackingUnavailable(f"MLflow at {settings.MLFLOW_TRACKING_URI} did not answer: {exc}") from exc
    return [
        {
            "id": e.experiment_id,
            "name": e.name,
            "lifecycle_stage": e.lifecycle_stage,
            "ui_url": _ui(f"experiments/{e.experiment_id}"),
        }
        for e in experiments
    ]


def _runs_by_id(client, experiment_ids: list[str] | None, run_ids, *, max_runs: int = 100) -> list:
    """The runs among ``run_ids`` (in ``experiment_ids``, default all), newest first."""
    run_ids = sorted(run_ids)
    if not run_ids:
        return []
    if experiment_ids is None:
        experiment_ids = [e.experiment_id for e in client.search_experiments(max_results=1000)]
    quoted = ", ".join("'" + run_id.replace("'", "") + "'" for run_id in run_ids)
    return client.search_runs(
        experiment_ids,
        filter_string=f"attributes.run_id IN ({quoted})",
        max_results=max_runs,
        order_by=["attributes.start_time DESC"],
    )


def experiment_detail(experiment_id: str, *, user: AbstractBaseUser, max_runs: int = 100) -> dict:
    from mlflow.exceptions import MlflowException

    client = _client()
    try:
        experiment = client.get_experiment(str(experiment_id))
        if user.is_staff:
            runs = client.search_runs(
                [experiment.experiment_id], max_results=max_runs, order_by=["attributes.start_time DESC"]
            )
        else:
            job_runs, training = _visible_runs(user, experiment_id=experiment.experiment_id)
            runs = _runs_by_id(client, [experiment.experiment_id], set(job_runs) | training, max_runs=max_runs)
            if not runs:  # nothing of it is the caller's to see: as if it did not exist
                raise NotFound(f"experiment {experiment_id} does not exist")
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise NotFound(f"experiment {experiment_id} does not exist") from exc
        raise TrackingUnavailable(str(exc)) from exc
    except NotFound:
        raise
    except Exception as exc:
        raise TrackingUnavailable(f"MLflow at {settings.MLFLOW_TRACKING_URI} did not answer: {exc}") from exc
    return {
        "id": experiment.experiment_id,
        "name": experiment.name,
        "ui_url": _ui(f"experiments/{experiment.experiment_id}"),
        "runs": [
            {
                "id": r.info.run_id,
                "name": r.info.run_name,
                "status": r.info.status,
                "start_time": r.info.start_time,
                "end_time": r.info.end_time,
                "metrics": r.data.metrics,
                "params": r.data.params,
                "tags": {k: v for k, v in r.data.tags.items() if not k.startswith("mlflow.")},
                "ui_url": _ui(f"experiments/{experiment.experiment_id}/runs/{r.info.run_id}"),
            }
            for r in runs
        ],
    }
