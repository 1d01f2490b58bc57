"""Huey tasks: the queue's only entry points into the worker."""

from __future__ import annotations

import logging

from django.conf import settings
from huey.contrib.djhuey import db_task, on_startup

from jobs import queue as job_queue

logger = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=10, context=False)
def run_job(job_id: str, pool: str = "default") -> str:
    """Take one job from pending to a terminal state.

    Huey retries the task if it raises (a database outage, say); the runner
    itself hands a job back to ``pending`` before raising, so the retry can
    claim it again. A job whose worker died is found by ``sweep_jobs``.
    ``pool`` routes the message to that pool's queue (jobs/queue.py).
    """
    from jobs.runner import execute

    queue = job_queue.get()
    if queue.routes_pools and pool not in settings.LB_WORKER_POOLS:  # on the wrong queue: send it where it belongs
        queue.push_job(job_id, pool)
        return "rerouted"

    outcome = execute(job_id)
    logger.info("job %s: %s", job_id, outcome)
    return outcome


@db_task(context=False)
def score_uploaded(job_id: str, run_s: float, peak_vram_mb: float, pool: str = "scoring") -> str:
    """Score a remote worker's uploaded output on the platform (the scoring pool, LB_SCORING_POOL),
    next to the hidden data; see jobs/remote.py. No retry: a lost task leaves a stale heartbeat and
    the sweeper gives the job back."""
    from jobs.remote import execute_uploaded

    return execute_uploaded(job_id, run_s, peak_vram_mb)


@db_task()
def sweep_jobs() -> dict[str, int]:
    """Re-queue or fail jobs past their deadlines (lost workers, lost messages).

    Pushed every ``LB_SWEEP_INTERVAL_S`` by the one scheduler process (``manage.py
    run_scheduler``, jobs/scheduler.py), never by the workers (``run_huey -n``)."""
    from jobs.sweeper import jobs_sweep

    job_queue.get().sweep_taken()
    counts = jobs_sweep()
    if any(counts.values()):
        logger.warning("sweeper: %s", counts)
    _reap_containers()  # a job the sweep just re-queued may have left its container running
    return counts


def _reap_containers(*, starting: bool = False) -> None:
    """docker backend: remove the sandbox containers of jobs no longer running on a live worker
    (jobs/containers.py). An engine that cannot answer is logged, never fatal to the worker."""
    if settings.LB_SANDBOX != "docker":
        return
    from jobs.containers import containers_reap
    from jobs.runner import worker_name

    try:
        removed = containers_reap(me=worker_name())
    except Exception:
        logger.exception("could not reap the sandbox containers of dead workers")
        return
    if starting:
        logger.info(
            "sandbox containers of dead workers removed at start-up: %d",
            len(removed),
            extra={"event": "sandbox_containers_checked", "worker": worker_name(), "removed": len(removed)},
        )


@on_startup()
def sweep_on_start() -> None:
    """A restarted worker first picks up what a dead one left behind."""
    from django.db import close_old_connections

    from jobs.sweeper import jobs_sweep

    try:
        jobs_sweep()
        _reap_containers(starting=True)  # before this worker takes a job: what a crashed one left running
    finally:
        close_old_connections()
