"""Recording a scored job in MLflow and completing it.

Public-part metrics go under the official names; the private part is never
logged before the benchmark is closed (``leaderboard.services.benchmark_close``
adds it as ``private_<name>``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import yaml
from django.conf import settings

from benchmarks import registry
from benchmarks.base import Benchmark, Score
from jobs import logs, services
from jobs.models import FailureKind, Job
from jobs.sandbox import safe_output_files
from jobs.signals import job_completed
from jobs.tracking import MlflowTracker, RunContent, TrackingUnavailable, with_retries
from leaderboard import datasets, intervals
from leaderboard.seed import hidden_seed
from leaderboard.selectors import is_closed


def tracker() -> MlflowTracker:
    return MlflowTracker(settings.MLFLOW_TRACKING_URI)


def experiment_name(benchmark_slug: str) -> str:
    return f"{settings.MLFLOW_EXPERIMENT_PREFIX}/{benchmark_slug}"


def flat_config(path: Path) -> dict[str, object]:
    """Scalar keys of a YAML config, nested keys joined with dots, lists as JSON."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return dict(_flatten_dict(data, "")) if isinstance(data, dict) else {}


def _flatten_dict(value: dict, prefix: str):
    for key, inner in value.items():
        if isinstance(inner, dict):
            yield from _flatten_dict(inner, f"{prefix}{key}.")
        elif isinstance(inner, (list, tuple)):
            yield f"{prefix}{key}", json.dumps(inner)
        else:
            yield f"{prefix}{key}", inner


def _package_lock() -> tuple[str, list[str]]:
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"])
    return hashlib.sha256("\n".join(packages).encode()).hexdigest(), packages


_LOCK_CACHE: tuple[str, list[str]] | None = None


def reproducibility(job: Job, benchmark: Benchmark) -> dict:
    """What someone needs to reproduce this job's number."""
    global _LOCK_CACHE
    if _LOCK_CACHE is None:
        _LOCK_CACHE = _package_lock()
    lock_hash, packages = _LOCK_CACHE
    return {
        "submission_sha256": job.submission.sha256,
        "resource_class": job.resource_class,
        "resources": settings.LB_RESOURCE_CLASSES.get(job.resource_class, {}),
        "sandbox": settings.LB_SANDBOX,
        "scorer_version": benchmark.version,
        "dataset_version": datasets.stamp(benchmark),
        "seeds": {
            "bootstrap": intervals.SEED,
            # The hidden-data seed is secret; its fingerprint tells two installations apart.
            "hidden_data_fingerprint": hashlib.sha256(str(hidden_seed()).encode()).hexdigest()[:12],
            **{f"benchmark.{k}": v for k, v in getattr(benchmark, "seeds", {}).items()},
        },
        "python": sys.version.split()[0],
        "packages_lock_sha256": lock_hash,
        "packages": packages,
    }


def _params(job: Job, benchmark: Benchmark, workspace_code: Path | None) -> dict[str, object]:
    params: dict[str, object] = {}
    if workspace_code is not None:
        for key, value in flat_config(workspace_code / job.submission.config_file).items():
            params[key] = value
    platform = {
        "method": job.submission.method,
        "benchmark": job.benchmark,
        "user": job.owner.username,
        "submission_sha256": job.submission.sha256,
        "resource_class": job.resource_class,
        "sandbox": settings.LB_SANDBOX,
        "scorer_version": benchmark.version,
        "dataset": getattr(benchmark, "dataset_name", benchmark.slug),
        **({"category": benchmark.category} if getattr(benchmark, "category", None) else {}),
    }
    for key, value in platform.items():
        if key in params and params[key] != value:
            params[f"config.{key}"] = params.pop(key)
        params[key] = value
    return params


def _content(job: Job, *, workspace_root: Path, metrics: dict, log_copy: Path) -> RunContent:
    benchmark = registry.get(job.benchmark)
    code = workspace_root / "code"
    artifacts = [(path, _artifact_folder(path, workspace_root / "artifacts"))
                 for path in safe_output_files(workspace_root / "artifacts")]
    metrics_file = workspace_root / "metrics.json"
    metrics_file.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    artifacts += [(log_copy, "logs"), (metrics_file, "")]
    if is_closed(job.benchmark):  # the private part is public once the benchmark is closed
        metrics = {**metrics, **{f"private_{k}": v for k, v in job.private_metrics.items()}}
    return RunContent(
        job_id=str(job.pk),
        experiment=experiment_name(job.benchmark),
        run_name=f"{job.submission.method} by {job.owner.username}",
        params=_params(job, benchmark, code if code.exists() else None),
        metrics={k: v for k, v in metrics.items() if v is not None},
        tags={"lb.user": job.owner.username, "lb.method": job.submission.method,
              "lb.benchmark": job.benchmark, "lb.resource_class": job.resource_class},
        artifacts=artifacts,
    )


def _artifact_folder(path: Path, root: Path) -> str:
    relative = path.parent.relative_to(root)
    return "scorer" if relative == Path(".") else f"scorer/{relative.as_posix()}"


def record_and_complete(job: Job, *, workspace, score: Score, log, worker: str) -> str:
    log_copy = Path(tempfile.mkdtemp()) / "job.log"
    shutil.copyfile(logs.log_path(job.pk), log_copy)
    content = _content(job, workspace_root=workspace.root, metrics=job.metrics, log_copy=log_copy)

    def on_retry(attempt: int, exc: Exception) -> None:
        logs.platform_line(log, f"MLflow unavailable (try {attempt}): {exc}; retrying")

    try:
        record = with_retries(lambda: tracker().record(content), attempts=settings.TRACKING_RETRIES,
                              backoff_s=settings.TRACKING_BACKOFF_S, on_retry=on_retry)
    except TrackingUnavailable as exc:
        reason = f"tracking unavailable: {exc}. Metrics are kept; an operator can re-record the job."
        logs.platform_line(log, reason)
        services.job_fail(job_id=str(job.pk), worker=worker, reason=reason, kind=FailureKind.PLATFORM,
                          needs_recording=True)
        return "failed"
    finally:
        shutil.rmtree(log_copy.parent, ignore_errors=True)
    if not services.job_complete(job_id=str(job.pk), worker=worker, run_id=record.run_id,
                                 experiment_id=record.experiment_id):
        logs.platform_line(log, "recorded, but the job was cancelled or taken back meanwhile")
        return "cancelled"
    logs.platform_line(log, f"completed; MLflow run {record.run_id}")
    job.refresh_from_db()
    for receiver, error in job_completed.send_robust(sender=Job, job=job, output_dir=workspace.output):
        if error is not None:  # a listener's failure never undoes the completed job
            logs.platform_line(log, f"after completion, {getattr(receiver, '__name__', receiver)} failed: {error}")
    for leftover in (workspace.code, workspace.output):
        shutil.rmtree(leftover, ignore_errors=True)
    return "completed"


def job_record(*, job: Job) -> Job:
    """Staff: record a job whose scoring succeeded but MLflow was down."""
    from leaderboard.errors import Conflict

    if not job.needs_recording:
        raise Conflict("This job has nothing waiting to be recorded.", code="nothing_to_record")
    root = settings.DATA_DIR / "jobs" / str(job.pk)
    root.mkdir(parents=True, exist_ok=True)
    (root / "artifacts").mkdir(exist_ok=True)
    log_copy = root / "job.log"
    shutil.copyfile(logs.log_path(job.pk), log_copy)
    record = tracker().record(_content(job, workspace_root=root, metrics=job.metrics, log_copy=log_copy))
    services.job_complete(job_id=str(job.pk), worker=None, run_id=record.run_id, experiment_id=record.experiment_id)
    job.refresh_from_db()
    return job
