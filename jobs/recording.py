"""Recording a scored job in MLflow: ``record()`` returns the run or raises.

Completing the job, signalling and cleaning up are the runner's work. Public-part
metrics go under the official names; the private part is never logged here (the
leaderboard adds it as ``private_<name>`` once the private ranking is public).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from django.conf import settings

from benchmarks import registry
from benchmarks.base import Benchmark
from jobs import logs
from jobs.models import Job
from jobs.scoring import datasets, intervals, isolated
from jobs.tracking import RunContent, RunRecord, experiment_name, tracker, with_retries
from jobs.workspace import Workspace
from sandbox import safe_output_files
from submissions import config_params

logger = logging.getLogger(__name__)


def flat_config(path: Path) -> dict[str, object]:
    """The config's MLflow params (nested keys joined with dots, lists as JSON).

    The rules are submissions.config_params's, applied leniently (what breaks one
    is dropped: the upload already refused such a config), and the YAML is parsed in
    a limited child (jobs/scoring/isolated.py): a config that hangs or bloats the
    parser gives no params instead of a stuck or dead worker."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(config_params.MAX_CONFIG_BYTES + 1)
    except OSError:
        return {}
    limits = isolated.Limits(
        timeout_s=10, memory_mb=256, max_file_mb=1, what="reading the config", culprit="the submission's config file"
    )
    try:
        params = isolated.run(_config_params_in_child, data, limits=limits).value
    except (isolated.Stopped, isolated.CouldNotStart) as exc:
        logger.warning("config %s gave no MLflow params: %s", path.name, exc)
        return {}
    if not isinstance(params, dict):
        return {}
    return {
        key: value
        for key, value in params.items()
        if config_params.is_param_name(key) and isinstance(value, (str, int, float, bool, type(None)))
    }


def _config_params_in_child(data: bytes) -> dict[str, object]:
    params = config_params.read_params(data, strict=False)
    return {
        key: value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        for key, value in params.items()
    }


@lru_cache(maxsize=1)
def _package_lock() -> tuple[str, list[str]]:
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"])
    return hashlib.sha256("\n".join(packages).encode()).hexdigest(), packages


def compute_fields(job: Job, outcome) -> dict[str, float]:
    """The run's measured cost as Job fields: CPU seconds from the sandbox, and GPU seconds as the run's
    wall time when its resource class holds a GPU (the whole device is the run's for that time)."""
    gpus = int(settings.LB_RESOURCE_CLASSES.get(job.resource_class, {}).get("gpus", 0) or 0)
    on_gpu = gpus > 0 and (outcome.peak_vram_mb > 0 or settings.LB_WORKER_GPU != "")
    return {"cpu_s": float(outcome.cpu_s), "gpu_s": round(outcome.duration_s * gpus, 3) if on_gpu else 0.0}


def reproducibility(job: Job, benchmark: Benchmark, *, worker: str = "") -> dict:
    """What someone needs to reproduce this job's number, and where this run of it ran."""
    lock_hash, packages = _package_lock()
    return {
        "worker": worker,
        "image": settings.LB_SANDBOX_IMAGE if settings.LB_SANDBOX == "docker" else "",
        "train_seed": job.train_seed,
        "reproduces": str(job.reproduces_id) if job.reproduces_id else None,
        "submission_sha256": job.submission.sha256,
        "resource_class": job.resource_class,
        "resources": settings.LB_RESOURCE_CLASSES.get(job.resource_class, {}),
        "sandbox": settings.LB_SANDBOX,
        "scorer_version": benchmark.version,
        # The random id of the hidden set it was scored on (never a hash of the seed or of the data, which
        # could be searched for); raises DatasetChanged if that set replaced the one the run read.
        "dataset_version": datasets.scored_on(benchmark, started_at=job.started_at),
        "seeds": {
            "bootstrap": intervals.SEED,
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
        tags={
            "lb.user": job.owner.username,
            "lb.method": job.submission.method,
            "lb.benchmark": job.benchmark,
            "lb.resource_class": job.resource_class,
        },
        artifacts=artifacts,
    )


def _artifact_folder(path: Path, root: Path) -> str:
    relative = path.parent.relative_to(root)
    return "scorer" if relative == Path(".") else f"scorer/{relative.as_posix()}"


def record(job: Job, *, workspace: Workspace, on_retry: Callable[[int, Exception], None] | None = None) -> RunRecord:
    """Record the scored ``job`` as one MLflow run (idempotent per job).

    Raises ``TrackingUnavailable`` once the retries are spent."""
    log_copy = Path(tempfile.mkdtemp()) / "job.log"
    try:
        shutil.copyfile(logs.log_path(job.pk), log_copy)
        content = _content(job, workspace=workspace, log_copy=log_copy)
        return with_retries(
            lambda: tracker().record(content),
            attempts=settings.TRACKING_RETRIES,
            backoff_s=settings.TRACKING_BACKOFF_S,
            on_retry=on_retry or (lambda _a, _e: None),
        )
    finally:
        shutil.rmtree(log_copy.parent, ignore_errors=True)
