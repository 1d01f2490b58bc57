"""Recording a scored job in MLflow: ``record()`` returns the run or raises.

Completing the job, signalling and cleaning up are the runner's work. Public-part
metrics go under the official names; the private part is never logged here (the
leaderboard adds it as ``private_<name>`` once the private ranking is public).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Callable

import yaml
from django.conf import settings

from benchmarks import registry
from benchmarks.base import Benchmark, Score
from jobs import logs
from jobs.models import Job
from jobs.sandbox import safe_output_files
from jobs.scoring import datasets, intervals
from jobs.scoring.seed import hidden_seed
from jobs.tracking import RunContent, RunRecord, experiment_name, tracker, with_retries
from jobs.workspace import Workspace


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


@lru_cache(maxsize=1)
def _package_lock() -> tuple[str, list[str]]:
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"])
    return hashlib.sha256("\n".join(packages).encode()).hexdigest(), packages


def reproducibility(job: Job, benchmark: Benchmark) -> dict:
    """What someone needs to reproduce this job's number."""
    lock_hash, packages = _package_lock()
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
            **{f"benchmark.{k}": v for k, v in benchmark.seeds.items()},
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
        "dataset": benchmark.dataset_name,
        **({"category": benchmark.category} if benchmark.category else {}),
    }
    for key, value in platform.items():
        if key in params and params[key] != value:
            params[f"config.{key}"] = params.pop(key)
        params[key] = value
    return params


def _content(job: Job, *, workspace: Workspace, log_copy: Path) -> RunContent:
    benchmark = registry.get(job.benchmark)
    artifacts = [(path, _artifact_folder(path, workspace.artifacts)) for path in safe_output_files(workspace.artifacts)]
    workspace.metrics_file.write_text(json.dumps(job.metrics, indent=2, sort_keys=True))
    artifacts += [(log_copy, "logs"), (workspace.metrics_file, "")]
    return RunContent(
        job_id=str(job.pk),
        experiment=experiment_name(job.benchmark),
        run_name=f"{job.submission.method} by {job.owner.username}",
        params=_params(job, benchmark, workspace.code if workspace.code.exists() else None),
        metrics={k: v for k, v in job.metrics.items() if v is not None},
        tags={"lb.user": job.owner.username, "lb.method": job.submission.method,
              "lb.benchmark": job.benchmark, "lb.resource_class": job.resource_class},
        artifacts=artifacts,
    )


def _artifact_folder(path: Path, root: Path) -> str:
    relative = path.parent.relative_to(root)
    return "scorer" if relative == Path(".") else f"scorer/{relative.as_posix()}"


def record(job: Job, *, workspace: Workspace,
           on_retry: Callable[[int, Exception], None] | None = None) -> RunRecord:
    """Record the scored ``job`` as one MLflow run (idempotent per job).

    Raises ``TrackingUnavailable`` once the retries are spent."""
    log_copy = Path(tempfile.mkdtemp()) / "job.log"
    try:
        shutil.copyfile(logs.log_path(job.pk), log_copy)
        content = _content(job, workspace=workspace, log_copy=log_copy)
        return with_retries(lambda: tracker().record(content), attempts=settings.TRACKING_RETRIES,
                            backoff_s=settings.TRACKING_BACKOFF_S, on_retry=on_retry or (lambda _a, _e: None))
    finally:
        shutil.rmtree(log_copy.parent, ignore_errors=True)
