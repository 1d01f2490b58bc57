"""What a worker does with one job: claim → workspace → (deps) → sandboxed
run → score → save → record in MLflow → complete → signal → clean up.

The runner owns a job's life: the recorder only records, and only the runner
moves the job to its end state and tells other apps (``job_completed``).

Each step that can fail says why in the job's status and log, with whose
fault it was (``failure_kind``). The scored result is saved before MLflow is
touched, so a tracking outage never loses metrics.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from benchmarks import registry
from core import logcontext
from core.errors import Conflict
from jobs import logs, placement, recording, transitions
from jobs.models import FailureKind, Job, JobPhase

# The steps live in jobs/run_steps.py; the names callers use (jobs/remote.py, tasks, fleet) stay here too.
from jobs.run_steps import (  # noqa: F401
    JobFailed,
    _run_submission,
    _score,
    _Ticker,
    extract_submission,
    outcome_to_failure,
    resource_class,
    scoring_limits,
    submission_env,
    worker_name,
)
from jobs.scoring import datasets, intervals
from jobs.signals import job_completed
from jobs.tracking import RunRecord, TrackingUnavailable
from jobs.workspace import Workspace
from sandbox.base import RunOutcome

logger = logging.getLogger(__name__)


def execute(job_id: str) -> str:
    """Run one job to a terminal state (or give it back); returns the outcome."""
    with logcontext.bound(job_id=job_id):  # every line about this job carries its id
        started = time.monotonic()
        outcome = _execute_claimed(job_id)
        logger.info(
            "job %s",
            outcome,
            extra={"event": "job_finished", "outcome": outcome, "duration_s": round(time.monotonic() - started, 2)},
        )
        return outcome


def _execute_claimed(job_id: str) -> str:
    worker = worker_name()
    if not transitions.job_claim(job_id=job_id, worker=worker):
        return "not-claimed"  # taken by another worker, cancelled, or already done
    job = Job.objects.select_related("submission", "owner").get(pk=job_id)
    if placement.should_step_aside(job, worker):  # a re-run goes to another host than its original's
        transitions.job_release(job_id=job_id, worker=worker, reason="re-run: left to a host other than the original's")
        return "released"
    logger.info(
        "job claimed",
        extra={"event": "job_claimed", "worker": worker, "benchmark": job.benchmark, "attempt": job.attempts},
    )
    with logs.open_for_append(job.pk) as log:
        logs.platform_line(log, f"attempt {job.attempts}/{job.max_attempts} on {worker}")
        return run_guarded(job, log, worker, lambda: _execute(job, log, worker))


def run_guarded(job: Job, log, worker: str, body) -> str:
    """``body()`` with the failure rules of a job's steps: a JobFailed ends the job as it says,
    anything unexpected is the platform's (given back while attempts remain). Shared by the local
    worker and the scoring of a remote worker's upload (jobs/remote.py)."""
    job_id = str(job.pk)
    try:
        return body()
    except JobFailed as failure:
        return _finish_failed(job, log, worker, failure)
    except datasets.DatasetMissing as exc:
        return _finish_failed(job, log, worker, JobFailed(str(exc), FailureKind.PLATFORM))
    except Exception as exc:  # the platform's own fault: give the job back while attempts remain
        logger.exception("job %s: unexpected error", job_id)
        logs.platform_line(log, f"platform error: {type(exc).__name__}: {exc}")
        if job.attempts < job.max_attempts:
            transitions.job_release(job_id=job_id, worker=worker, reason=f"platform error: {exc}")
            return "released"
        transitions.job_fail(
            job_id=job_id,
            worker=worker,
            kind=FailureKind.PLATFORM,
            reason=f"gave up after {job.attempts} attempts: {type(exc).__name__}: {exc}",
        )
        return "failed"


def _finish_failed(job: Job, log, worker: str, failure: JobFailed) -> str:
    if failure.kind == "cancelled":
        logs.platform_line(log, "run stopped: job cancelled or taken back")
        return "cancelled"
    logs.platform_line(log, f"job failed ({failure.kind}): {failure.reason}")
    transitions.job_fail(job_id=str(job.pk), worker=worker, reason=failure.reason, kind=failure.kind)
    return "failed"


def _execute(job: Job, log, worker: str) -> str:
    workspace = Workspace.fresh(job.pk)
    extract_submission(job, workspace.code)
    outcome = _run_submission(job, workspace, log, worker)
    logs.platform_line(
        log,
        f"run ended: {outcome.kind} after {outcome.duration_s:.1f} s"
        + (f" ({outcome.reason})" if outcome.reason else ""),
    )
    failure = outcome_to_failure(outcome, job)
    if failure:
        raise failure
    return score_and_complete(job, workspace, log, worker, outcome)


def score_and_complete(job: Job, workspace: Workspace, log, worker: str, outcome: RunOutcome) -> str:
    """Steps 5-9 on an output folder in ``workspace``: written by this worker's sandbox, or
    uploaded by a remote worker and unpacked here (jobs/remote.py). Scoring runs where the
    hidden data is, always on the platform."""
    if not transitions.job_set_phase(job_id=str(job.pk), worker=worker, phase=JobPhase.SCORING):
        raise JobFailed("cancelled", "cancelled")
    scoring_started = time.monotonic()
    score = _score(job, workspace, outcome, _Ticker(str(job.pk), worker))
    benchmark = registry.get(job.benchmark)
    try:
        fields = intervals.score_fields(benchmark, score, job_id=job.pk)
    except (ValueError, TypeError, IndexError, ZeroDivisionError, FloatingPointError) as exc:
        # The per-item arrays came out of the scoring child, which read the submission's bytes.
        raise JobFailed(
            f"the scorer's per-item results could not be resampled: {type(exc).__name__}: {exc}", FailureKind.SUBMISSION
        ) from exc
    fields["peak_vram_mb"] = outcome.peak_vram_mb
    fields.update(recording.compute_fields(job, outcome))
    fields["reproducibility"] = recording.reproducibility(job, benchmark, worker=worker)
    # Read by /metrics (fleet/metrics.py): how long the run and its scoring took.
    fields["reproducibility"]["timings"] = {
        "run_s": round(outcome.duration_s, 3),
        "scoring_s": round(time.monotonic() - scoring_started, 3),
        "peak_mem_mb": outcome.peak_mem_mb,
    }
    if not transitions.job_save_score(job_id=str(job.pk), worker=worker, fields=fields):
        raise JobFailed("cancelled", "cancelled")
    # No number in the log yet: it is written when the job completes (_complete), so a job
    # that fails after scoring (it still counts against quotas) shows no score.
    logs.platform_line(log, "scored; recording the run in MLflow")
    job.refresh_from_db()
    return _record_and_complete(job, workspace, log, worker)


def _record_and_complete(job: Job, workspace: Workspace, log, worker: str) -> str:
    def on_retry(attempt: int, exc: Exception) -> None:
        logs.platform_line(log, f"MLflow unavailable (try {attempt}): {exc}; retrying")

    try:
        record = recording.record(job, workspace=workspace, on_retry=on_retry)
    except TrackingUnavailable as exc:
        reason = (
            f"tracking unavailable: {exc}. Scoring was done; the job will be recorded, and its "
            "score shown, once tracking is back (an operator re-records it)."
        )
        logs.platform_line(log, reason)
        transitions.job_fail(
            job_id=str(job.pk), worker=worker, reason=reason, kind=FailureKind.PLATFORM, needs_recording=True
        )
        return "failed"
    except Exception as exc:  # our bug, after scoring: no retry (the score is spent), an operator re-records
        logger.exception("job %s: recording failed", job.pk)
        reason = (
            f"recording failed: {type(exc).__name__}: {exc}. Scoring was done; the job will be recorded, "
            "and its score shown, once an operator re-records it."
        )
        logs.platform_line(log, reason)
        transitions.job_fail(
            job_id=str(job.pk), worker=worker, reason=reason, kind=FailureKind.PLATFORM, needs_recording=True
        )
        return "failed"
    if not _complete(job, record, worker=worker, output_dir=workspace.output, log=log):
        logs.platform_line(log, "recorded, but the job was cancelled or taken back meanwhile")
        return "cancelled"
    workspace.clean_up()
    return "completed"


def _complete(job: Job, record: RunRecord, *, worker: str | None, output_dir: Path, log=None) -> bool:
    """Move the job to completed, then tell the other apps; False if it was no longer ours."""
    if not transitions.job_complete(
        job_id=str(job.pk), worker=worker, run_id=record.run_id, experiment_id=record.experiment_id
    ):
        return False
    job.refresh_from_db()
    if log is not None:  # the score reaches the log only now (see _execute)
        logs.platform_line(log, f"scored: {_format_metrics(job.metrics)}")
        logs.platform_line(log, f"completed; MLflow run {record.run_id}")
    for receiver, error in job_completed.send_robust(sender=Job, job=job, output_dir=output_dir):
        if error is not None:  # a listener's failure never undoes the completed job
            logger.error(
                "after completing job %s, %s failed: %r", job.pk, getattr(receiver, "__name__", receiver), error
            )
            if log is not None:
                logs.platform_line(log, f"after completion, {getattr(receiver, '__name__', receiver)} failed: {error}")
    return True


def job_rerecord(*, job: Job) -> Job:
    """Staff: record a job whose scoring succeeded but MLflow was down, then complete it."""
    if not job.needs_recording:
        raise Conflict("This job has nothing waiting to be recorded.", code="nothing_to_record")
    workspace = Workspace.of(job.pk)
    record = recording.record(job, workspace=workspace)
    with logs.open_for_append(job.pk) as log:
        _complete(job, record, worker=None, output_dir=workspace.output, log=log)
    job.refresh_from_db()
    return job


def _format_metrics(metrics: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in metrics.items())
