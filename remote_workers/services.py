"""Writes of the worker API: tokens, check-in (the fleet record), claim, heartbeat, log, report.

Every job write goes through jobs' conditional updates (jobs/transitions.py) with the remote
worker's name as owner, so a remote worker, a local one, the sweeper and a cancelling user can
never both win; what needs the hidden data (scoring) stays on the platform (jobs/remote.py)."""

from __future__ import annotations

import logging
import time
from typing import IO

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from core.errors import InvalidInput, NotFound
from fleet import services as fleet_services
from fleet.models import Worker
from jobs import logs, remote, transitions
from jobs import queue as job_queue
from jobs.models import FailureKind, Job, JobStatus
from jobs.selectors import in_pools
from jobs.workspace import Workspace
from remote_workers.models import WorkerToken
from remote_workers.tokens import hash_token, new_token
from sandbox.base import RunOutcome
from submissions.archive import UploadRejected

logger = logging.getLogger(__name__)

POLL_S = 0.05  # a waiting claim looks at the queue this often: dispatch latency, not load, at this scale
MAX_LOG_CHUNK = 256 * 1024


def claimable_pools() -> list[str]:
    """Pools a worker token may name: every job pool; the scoring pool stays on the platform."""
    return [pool for pool in settings.LB_POOLS if pool != settings.LB_SCORING_POOL]


def worker_token_issue(*, name: str, pools: list[str], created_by=None) -> tuple[WorkerToken, str]:
    """A new token (the raw value is returned once and never stored)."""
    unknown = sorted(set(pools) - set(claimable_pools()))
    if not pools or unknown:
        raise InvalidInput(
            f"pools must be some of {claimable_pools()}; unknown: {unknown or 'none given'}", code="bad_pools"
        )
    raw, prefix = new_token()
    token = WorkerToken.objects.create(
        name=name, prefix=prefix, token_hash=hash_token(raw), pools=sorted(set(pools)), created_by=created_by
    )
    return token, raw


def worker_token_revoke(*, token: WorkerToken) -> bool:
    """Revoked at once: the worker's next call (claim, heartbeat, download, upload) is refused."""
    return bool(WorkerToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def remote_worker_name(*, token: WorkerToken, host: str, pid: int) -> str:
    """Job.worker and the fleet record's name: the token's prefix keeps two tokens' hosts apart and
    keeps a remote worker from taking a local worker's name."""
    host = "".join(ch for ch in host if ch.isalnum() or ch in "-_.")[:80] or "remote"
    return f"{host}:{int(pid)}@lbw_{token.prefix}"


def remote_worker_checkin(
    *, token: WorkerToken, name: str, host: str, pid: int, version: str, gpus: list, gpu_status: str, telemetry: list
) -> None:
    """The fleet record of a remote worker, as a local one keeps its own (fleet/agent.py): registered
    on first sight (or once marked gone), heartbeated after; the page and /metrics read it alike."""
    current = running_job_of(name)
    if not fleet_services.worker_heartbeat(name=name, telemetry=telemetry, current_job=current):
        fleet_services.worker_register(
            name=name,
            host=f"{host[:200]} (remote)",
            pid=int(pid),
            version=version[:64],
            pools=list(token.pools),
            gpus=gpus,
            gpu_status=gpu_status[:255],
        )
        if telemetry:
            fleet_services.worker_heartbeat(name=name, telemetry=telemetry, current_job=current)


def running_job_of(name: str) -> str | None:
    job_id = Job.objects.filter(worker=name, status=JobStatus.RUNNING).values_list("pk", flat=True).first()
    return str(job_id) if job_id else None


def _try_claim(pools: list[str], name: str) -> str | None:
    """One pass: a message off the pools' queues, else (a queue that does not route pools, a lost
    message) the oldest pending jobs; each only through the conditional-update claim."""
    queue = job_queue.get()
    while (job_id := queue.take_job(pools)) is not None:
        if transitions.job_claim(job_id=job_id, worker=name):
            return job_id
    if queue.routes_pools:
        return None
    for job_id in (
        Job.objects.filter(in_pools(pools), status=JobStatus.PENDING)
        .order_by("queued_at")[:5]
        .values_list("pk", flat=True)
    ):
        if transitions.job_claim(job_id=str(job_id), worker=name):
            return str(job_id)
    return None


def remote_job_claim(
    *, token: WorkerToken, name: str, checkin: dict, pools: list[str] | None, wait_s: float
) -> Job | None:
    """Check in (the fleet record), then long-poll for one job of the token's pools (narrowed by
    ``pools``), up to ``wait_s`` (at most LB_WORKER_CLAIM_WAIT_S), the fleet record kept alive meanwhile."""
    remote_worker_checkin(token=token, name=name, **checkin)
    allowed = list(token.pools)
    if pools:
        outside = sorted(set(pools) - set(allowed))
        if outside:
            raise InvalidInput(f"this worker token may not claim from {outside}", code="pool_not_allowed")
        allowed = [pool for pool in allowed if pool in pools]
    deadline = time.monotonic() + max(0.0, min(wait_s, settings.LB_WORKER_CLAIM_WAIT_S))
    next_beat = time.monotonic() + settings.LB_HEARTBEAT_S
    while True:
        job_id = _try_claim(allowed, name)
        if job_id is not None:
            job = Job.objects.select_related("submission").get(pk=job_id)
            with logs.open_for_append(job.pk) as log:
                logs.platform_line(log, f"attempt {job.attempts}/{job.max_attempts} on {name} (remote)")
            logger.info(
                "job claimed",
                extra={"event": "job_claimed", "worker": name, "benchmark": job.benchmark, "remote": True},
            )
            return job
        if time.monotonic() >= deadline:
            return None
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + settings.LB_HEARTBEAT_S
            fleet_services.worker_heartbeat(name=name, telemetry=[], current_job=None)
            if WorkerToken.objects.filter(pk=token.pk, revoked_at__isnull=False).exists():
                return None  # revoked while waiting: the next call is refused
        close_old_connections()
        time.sleep(POLL_S)


def _owned(job_id: str, name: str) -> Job:
    job = Job.objects.filter(pk=job_id, worker=name, status=JobStatus.RUNNING).select_related("submission").first()
    if job is None:
        raise NotFound("No running job of this worker has that id.", code="not_your_job")
    return job


def remote_worker_heartbeat(*, token: WorkerToken, name: str, checkin: dict, job_id: str | None) -> bool | None:
    """The fleet record's heartbeat and, with ``job_id``, the job's. False: stop the run (cancelled
    by its owner, or taken back by the sweeper); None: no job named."""
    remote_worker_checkin(token=token, name=name, **checkin)
    if job_id is None:
        return None
    return transitions.job_heartbeat(job_id=job_id, worker=name)


def remote_job_log(*, job_id: str, name: str, data: bytes) -> None:
    """Append the run's own output, as a local sandbox writes it into the job's log."""
    if len(data) > MAX_LOG_CHUNK:
        raise InvalidInput(f"a log chunk is at most {MAX_LOG_CHUNK} bytes", code="log_chunk_too_large")
    _owned(job_id, name)
    with logs.open_for_append(job_id) as log:
        log.write(data)


def remote_job_failed(*, job_id: str, name: str, kind: str, exit_code: int | None, reason: str, run_s: float) -> str:
    """A run that ended otherwise than ``ok`` (exit, timeout, oom, output_limit, sandbox_error)."""
    if kind not in {"exit", "timeout", "oom", "output_limit", "sandbox_error", "cancelled"}:
        raise InvalidInput(f"unknown outcome {kind!r}", code="bad_outcome")
    _owned(job_id, name)
    outcome = RunOutcome(kind=kind, exit_code=exit_code, reason=reason[:2000] or None, duration_s=max(0.0, run_s))
    return remote.job_report_run(job_id=job_id, worker=name, outcome=outcome)


def remote_job_output(
    *, job_id: str, name: str, upload: IO[bytes], filename: str, run_s: float, peak_vram_mb: float
) -> str:
    """The output folder as one archive: unpacked here under the resource class's output limits
    with the hostile-archive rules, then handed to the scoring pool. A rejected archive is the
    submission's fault, as an over-limit output of a local run is."""
    job = _owned(job_id, name)
    resources = remote.runner.resource_class(job.resource_class)
    workspace = Workspace.fresh(job.pk)
    try:
        size = remote.unpack_output(
            upload,
            filename,
            workspace.output,
            max_bytes=resources.max_output_mb * 2**20,
            max_files=resources.max_output_files,
        )
    except UploadRejected as exc:
        reason = f"output rejected: {exc.detail if hasattr(exc, 'detail') else exc}"
        with logs.open_for_append(job.pk) as log:
            logs.platform_line(log, reason)
        transitions.job_fail(job_id=job_id, worker=name, reason=reason, kind=FailureKind.SUBMISSION)
        return "failed"
    with logs.open_for_append(job.pk) as log:
        logs.platform_line(log, f"run ended on {name}: ok after {run_s:.1f} s; output uploaded ({size} bytes)")
    with transaction.atomic():
        handed = remote.job_hand_to_scoring(
            job_id=job_id, worker=name, run_s=max(0.0, run_s), peak_vram_mb=max(0.0, peak_vram_mb)
        )
    return "scoring" if handed else "cancelled"


def remote_worker_stop(*, name: str) -> None:
    fleet_services.worker_stop(name=name)


def known_worker(name: str) -> bool:
    return Worker.objects.filter(name=name).exists()
