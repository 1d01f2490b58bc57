"""Recording runs in MLflow, through its official client only.

The web app never reads MLflow's database: the worker writes runs here and
keeps what pages need (run id, metrics) in Django's own tables.

Recording is idempotent per job: every run carries the tag ``lb.job_id``. A
finished run with the tag is reused; an unfinished one (a worker died while
recording) is deleted and recorded again, so each job has exactly one run.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# MLflow's own HTTP retries back off for minutes; we retry (with our own
# backoff, visible in the job log) around whole recordings instead.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
# MLflow prints "View run ..." links to stdout; the worker's output is JSON log lines only.
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
# mlflow is imported inside the functions that use it: importing it costs about a second of CPU, and every
# process that sets Django up (web workers, manage.py, the test suite's servers) imports this module,
# while only a worker recording a run, or a page reading one, needs it.


logger = logging.getLogger(__name__)

JOB_TAG = "lb.job_id"
MAX_PARAM_LENGTH = 6000


class TrackingUnavailable(Exception):
    """MLflow could not be reached or refused the recording."""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    experiment_id: str


@dataclass
class RunContent:
    job_id: str
    experiment: str
    run_name: str
    params: Mapping[str, object]
    metrics: Mapping[str, float]
    tags: Mapping[str, str]
    artifacts: list[tuple[Path, str]]  # (local file, artifact folder)


class MlflowTracker:
    def __init__(self, tracking_uri: str):
        from mlflow.tracking import MlflowClient

        self.tracking_uri = tracking_uri
        self.client = MlflowClient(tracking_uri=tracking_uri)

    def _experiment_id(self, name: str) -> str:
        from mlflow.exceptions import MlflowException

        experiment = self.client.get_experiment_by_name(name)
        if experiment is not None:
            if experiment.lifecycle_stage == "deleted":
                self.client.restore_experiment(experiment.experiment_id)
            return experiment.experiment_id
        try:
            return self.client.create_experiment(name)
        except MlflowException:  # created meanwhile by another worker
            return self.client.get_experiment_by_name(name).experiment_id

    def find_run(self, experiment_id: str, job_id: str) -> list:
        from mlflow.entities import ViewType

        return self.client.search_runs(
            [experiment_id], filter_string=f"tags.`{JOB_TAG}` = '{job_id}'", run_view_type=ViewType.ACTIVE_ONLY
        )

    def record(self, content: RunContent) -> RunRecord:
        from mlflow.exceptions import MlflowException

        try:
            return self._record(content)
        except (MlflowException, OSError) as exc:
            raise TrackingUnavailable(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # requests' errors and friends: the server is not there
            raise TrackingUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _record(self, content: RunContent) -> RunRecord:
        from mlflow.entities import Metric, Param

        experiment_id = self._experiment_id(content.experiment)
        for run in self.find_run(experiment_id, content.job_id):
            if run.info.status == "FINISHED":
                return RunRecord(run.info.run_id, experiment_id)
            self.client.delete_run(run.info.run_id)  # a half-recorded run from a lost worker
        tags = {JOB_TAG: content.job_id, "mlflow.runName": content.run_name, **content.tags}
        run = self.client.create_run(experiment_id, tags=tags, run_name=content.run_name)
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        self.client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), now, 0) for k, v in content.metrics.items() if _finite(v)],
            params=[Param(k, str(v)[:MAX_PARAM_LENGTH]) for k, v in content.params.items()],
            tags=[],
        )
        for local_path, folder in content.artifacts:
            self.client.log_artifact(run_id, str(local_path), folder or None)
        self.client.set_terminated(run_id, "FINISHED")
        return RunRecord(run_id, experiment_id)

    def log_metrics(self, run_id: str, metrics: Mapping[str, float]) -> None:
        """Add metrics to an existing run (the private part, at close)."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        try:
            self.client.log_batch(
                run_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items() if _finite(v)]
            )
        except Exception as exc:
            raise TrackingUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.client.set_tag(run_id, key, value)

    def ping(self, timeout: float = 2.0) -> bool:
        import requests

        if not self.tracking_uri.startswith("http"):
            return True
        try:
            return requests.get(self.tracking_uri.rstrip("/") + "/health", timeout=timeout).ok
        except requests.RequestException:
            return False


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def with_retries(
    action: Callable[[], RunRecord], *, attempts: int, backoff_s: float, on_retry: Callable[[int, Exception], None]
) -> RunRecord:
    """Run ``action`` until it succeeds or ``attempts`` are spent (exponential backoff)."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except TrackingUnavailable as exc:
            if attempt == attempts:
                raise
            on_retry(attempt, exc)
            time.sleep(backoff_s * (2 ** (attempt - 1)))
    raise AssertionError("unreachable")


def run_urls(*, ui_url: str, tracking_uri: str, experiment_id: str, run_id: str) -> tuple[str, str]:
    """Links to the run in MLflow's UI and REST API."""
    ui = f"{ui_url.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
    api = f"{tracking_uri.rstrip('/')}/api/2.0/mlflow/runs/get?run_id={run_id}"
    return ui, api


def compare_url(*, ui_url: str, experiment_id: str, run_ids: list[str]) -> str:
    import json
    import urllib.parse

    runs = urllib.parse.quote(json.dumps(run_ids))
    experiments = urllib.parse.quote(json.dumps([experiment_id]))
    return f"{ui_url.rstrip('/')}/#/compare-runs?runs={runs}&experiments={experiments}"


PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def run_pictures(*, tracking_uri: str, run_id: str, folder: str = "scorer") -> list[str]:
    """Artifact paths of the pictures a benchmark's scorer logged to the run."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    found, folders = [], [folder]
    while folders:
        for item in client.list_artifacts(run_id, folders.pop()):
            if item.is_dir:
                folders.append(item.path)
            elif item.path.lower().endswith(PICTURE_SUFFIXES):
                found.append(item.path)
    return sorted(found)


def run_picture(*, tracking_uri: str, run_id: str, path: str) -> bytes:
    """One picture's bytes, through MLflow's artifact API (the web tier never reads its store)."""
    import tempfile

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    with tempfile.TemporaryDirectory() as tmp:
        return Path(client.download_artifacts(run_id, path, tmp)).read_bytes()


def tracker() -> MlflowTracker:
    """The configured MLflow server's tracker."""
    from django.conf import settings

    return MlflowTracker(settings.MLFLOW_TRACKING_URI)


def experiment_name(benchmark_slug: str) -> str:
    from django.conf import settings

    return f"{settings.MLFLOW_EXPERIMENT_PREFIX}/{benchmark_slug}"
