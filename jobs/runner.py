"""What a worker does with one job: claim → workspace → (deps) → sandboxed
run → score → save → record in MLflow → complete.

Each step that can fail says why in the job's status and log, with whose
fault it was (``failure_kind``). The scored result is saved before MLflow is
touched, so a tracking outage never loses metrics.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from benchmarks import registry
from benchmarks.base import RunInfo, Score, ScoringError
from jobs import logs, recording, services
from jobs.models import FailureKind, Job, JobPhase
from jobs.sandbox import get_sandbox
from jobs.sandbox.base import ResourceClass, RunOutcome, RunSpec
from leaderboard import datasets, intervals
from submissions import archive as submission_archive

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    def __init__(self, reason: str, kind: str):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def worker_name() -> str:
    """``host:pid``, the key of this worker's fleet record (LB_WORKER_HOST names the host)."""
    return f"{settings.LB_WORKER_HOST or socket.gethostname()}:{os.getpid()}"


def resource_class(name: str) -> ResourceClass:
    spec = settings.LB_RESOURCE_CLASSES[name]
    return ResourceClass(name=name, **spec)


@dataclass
class Workspace:
    root: Path

    @property
    def code(self) -> Path:
        return self.root / "code"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @classmethod
    def fresh(cls, job: Job) -> "Workspace":
        root = settings.DATA_DIR / "jobs" / str(job.pk)
        if root.exists():
            shutil.rmtree(root)  # a previous attempt's leftovers
        for path in (root / "code", root / "output", root / "artifacts"):
            path.mkdir(parents=True)
        return cls(root)


def _extract(job: Job, destination: Path) -> None:
    """Unpack the archive as stored (a .zip or tar as uploaded, or the tar.gz of loose files)
    once, under the upload rules, checking every file against the submission's manifest."""
    stored = job.submission.archive
    submission_archive.extract(lambda: stored.storage.open(stored.name, "rb"), stored.name, destination,
                               job.submission.files, job.submission.entrypoint)


class _Ticker:
    """Heartbeat and cancel checks, called about once a second by the sandbox."""

    def __init__(self, job_id: str, worker: str):
        self.job_id, self.worker = job_id, worker
        self.last_beat = 0.0
        self.lost = False

    def tick(self) -> None:
        if time.monotonic() - self.last_beat >= settings.LB_HEARTBEAT_S:
            self.last_beat = time.monotonic()
            self.lost = not services.job_heartbeat(job_id=self.job_id, worker=self.worker)

    def should_cancel(self) -> bool:
        # Cancelled by a user, or taken back by the sweeper: stop either way.
        return self.lost or not services.job_still_owned(job_id=self.job_id, worker=self.worker)


def _run_submission(job: Job, workspace: Workspace, log, worker: str) -> RunOutcome:
    benchmark = registry.get(job.benchmark)
    public_dir, _ = datasets.ready_dirs(benchmark)
    resources = resource_class(job.resource_class)
    extra_dirs, pythonpath = [], [str(settings.BASE_DIR)]
    if job.submission.has_requirements:
        services.job_set_phase(job_id=str(job.pk), worker=worker, phase=JobPhase.INSTALLING)
        layer = _install_requirements(workspace, log)
        if layer is not None:  # None: the file lists nothing to install
            extra_dirs.append(layer)
            pythonpath.insert(0, str(layer))
    services.job_set_phase(job_id=str(job.pk), worker=worker, phase=JobPhase.EXECUTING)
    submission = job.submission
    spec = RunSpec(
        argv=["{python}", submission.entrypoint, "--config", submission.config_file, "--output", "{output}"],
        code_dir=workspace.code,
        output_dir=workspace.output,
        dataset_dir=public_dir,
        env=_submission_env(job, pythonpath),
        resources=resources,
        extra_ro_dirs=extra_dirs,
        gpu_index=_gpu_index(resources),
    )
    sandbox = _sandbox()
    logs.platform_line(log, f"running {submission.entrypoint} in sandbox {sandbox.name!r}, "
                            f"resource class {resources.name} (timeout {resources.timeout_s} s, "
                            f"memory {resources.memory_mb} MiB)")
    ticker = _Ticker(str(job.pk), worker)
    return sandbox.run(spec, log=log, should_cancel=ticker.should_cancel, on_tick=ticker.tick)


def _sandbox():
    """The configured backend, told explicitly what it must hide and run."""
    if settings.LB_SANDBOX == "bubblewrap":
        from jobs.sandbox.bubblewrap import default_hidden_paths

        hidden = default_hidden_paths(settings.BASE_DIR) + [settings.DATA_DIR]
        return get_sandbox("bubblewrap", debug=settings.DEBUG, hidden_paths=hidden)
    if settings.LB_SANDBOX == "docker":
        import shlex

        from jobs.sandbox.docker import parse_path_map

        return get_sandbox("docker", debug=settings.DEBUG, image=settings.LB_SANDBOX_IMAGE,
                           cli=settings.LB_CONTAINER_CLI, cli_args=shlex.split(settings.LB_CONTAINER_CLI_ARGS),
                           path_map=parse_path_map(settings.LB_DOCKER_PATH_MAP) or None)
    return get_sandbox(settings.LB_SANDBOX, debug=settings.DEBUG)


def _install_requirements(workspace: Workspace, log) -> Path | None:
    from jobs.sandbox import deps

    try:
        return deps.ensure_requirements(
            workspace.code / "requirements.txt",
            cache_root=settings.DATA_DIR / "envs",
            sandbox_name=settings.LB_SANDBOX,
            log=log,
            timeout_s=settings.LB_DEPS_TIMEOUT_S,
        )
    except Exception as exc:
        raise JobFailed(f"installing requirements.txt failed: {exc}", FailureKind.SUBMISSION) from exc


def _gpu_index(resources: ResourceClass) -> int | None:
    if resources.gpus and settings.LB_WORKER_GPU != "":
        return int(settings.LB_WORKER_GPU)
    return None


def _submission_env(job: Job, pythonpath: list[str]) -> dict[str, str]:
    """The whole environment of the run: nothing of the platform's leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "{tmp}",
        "TMPDIR": "{tmp}",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": ":".join(pythonpath),
        "MPLCONFIGDIR": "{tmp}/matplotlib",
        "HF_HUB_OFFLINE": "1",
        "TORCH_HOME": "{tmp}/torch",
        "LB_BENCHMARK": job.benchmark,
        "LB_DATASET_DIR": "{dataset}",
        "LB_OUTPUT_DIR": "{output}",
        "LB_JOB_ID": str(job.pk),
        "LB_RESOURCE_CLASS": job.resource_class,
    }


def _outcome_to_failure(outcome: RunOutcome, job: Job) -> JobFailed | None:
    if outcome.kind == "ok":
        return None
    if outcome.kind == "cancelled":
        return JobFailed("cancelled", "cancelled")
    if outcome.kind == "sandbox_error":
        return JobFailed(f"sandbox error: {outcome.reason}", FailureKind.PLATFORM)
    reason = outcome.reason or f"exit code {outcome.exit_code}"
    tail = logs.tail_lines(job.pk, settings.LB_LOG_TAIL_LINES)
    if outcome.kind == "exit" and tail:
        reason = f"{reason}; last lines of the log:\n{tail}"
    return JobFailed(reason, FailureKind.SUBMISSION)


def _score(job: Job, workspace: Workspace, outcome: RunOutcome) -> Score:
    benchmark = registry.get(job.benchmark)
    _, hidden_dir = datasets.ready_dirs(benchmark)
    run_info = RunInfo(
        wall_seconds=outcome.duration_s, peak_vram_mb=outcome.peak_vram_mb,
        gpu=outcome.peak_vram_mb > 0 or settings.LB_WORKER_GPU != "", resource_class=job.resource_class,
    )
    try:
        return benchmark.score(workspace.output, hidden_dir, artifact_dir=workspace.artifacts, run_info=run_info)
    except ScoringError as exc:
        raise JobFailed(f"output rejected by the scorer: {exc}", FailureKind.SUBMISSION) from exc
    except Exception as exc:
        logger.exception("scorer crashed on job %s", job.pk)
        raise JobFailed(f"scorer crashed: {type(exc).__name__}: {exc}", FailureKind.PLATFORM) from exc


def execute(job_id: str) -> str:
    """Run one job to a terminal state (or give it back); returns the outcome."""
    worker = worker_name()
    if not services.job_claim(job_id=job_id, worker=worker):
        return "not-claimed"  # taken by another worker, cancelled, or already done
    job = Job.objects.select_related("submission", "owner").get(pk=job_id)
    with logs.open_for_append(job.pk) as log:
        logs.platform_line(log, f"attempt {job.attempts}/{job.max_attempts} on {worker}")
        try:
            return _execute(job, log, worker)
        except JobFailed as failure:
            return _finish_failed(job, log, worker, failure)
        except datasets.DatasetMissing as exc:
            return _finish_failed(job, log, worker, JobFailed(str(exc), FailureKind.PLATFORM))
        except Exception as exc:  # the platform's own fault: give the job back while attempts remain
            logger.exception("job %s: unexpected error", job_id)
            logs.platform_line(log, f"platform error: {type(exc).__name__}: {exc}")
            if job.attempts < job.max_attempts:
                services.job_release(job_id=job_id, worker=worker, reason=f"platform error: {exc}")
                return "released"
            services.job_fail(job_id=job_id, worker=worker, kind=FailureKind.PLATFORM,
                              reason=f"gave up after {job.attempts} attempts: {type(exc).__name__}: {exc}")
            return "failed"


def _finish_failed(job: Job, log, worker: str, failure: JobFailed) -> str:
    if failure.kind == "cancelled":
        logs.platform_line(log, "run stopped: job cancelled or taken back")
        return "cancelled"
    logs.platform_line(log, f"job failed ({failure.kind}): {failure.reason}")
    services.job_fail(job_id=str(job.pk), worker=worker, reason=failure.reason, kind=failure.kind)
    return "failed"


def _execute(job: Job, log, worker: str) -> str:
    workspace = Workspace.fresh(job)
    _extract(job, workspace.code)
    outcome = _run_submission(job, workspace, log, worker)
    logs.platform_line(log, f"run ended: {outcome.kind} after {outcome.duration_s:.1f} s"
                            + (f" ({outcome.reason})" if outcome.reason else ""))
    failure = _outcome_to_failure(outcome, job)
    if failure:
        raise failure
    if not services.job_set_phase(job_id=str(job.pk), worker=worker, phase=JobPhase.SCORING):
        raise JobFailed("cancelled", "cancelled")
    scoring_started = time.monotonic()
    score = _score(job, workspace, outcome)
    benchmark = registry.get(job.benchmark)
    fields = intervals.score_fields(benchmark, score, job_id=job.pk)
    fields["peak_vram_mb"] = outcome.peak_vram_mb
    fields["reproducibility"] = recording.reproducibility(job, benchmark)
    # Read by /metrics (fleet/metrics.py): how long the run and its scoring took.
    fields["reproducibility"]["timings"] = {"run_s": round(outcome.duration_s, 3),
                                            "scoring_s": round(time.monotonic() - scoring_started, 3)}
    if not services.job_save_score(job_id=str(job.pk), worker=worker, fields=fields):
        raise JobFailed("cancelled", "cancelled")
    logs.platform_line(log, f"scored: {_format_metrics(score.metrics)}")
    job.refresh_from_db()
    return recording.record_and_complete(job, workspace=workspace, score=score, log=log, worker=worker)


def _format_metrics(metrics: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in metrics.items())
