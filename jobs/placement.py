"""Where a platform re-run (``Job.reproduces``, leaderboard/reproduction.py) should run: on another host
than its original's, where the pool has one. Queues are pulled per pool, so a worker cannot be chosen;
instead a worker on the original's host that takes the re-run hands it back (``job_release``) while
another host of the pool is alive, on the first two attempts. The third attempt runs wherever it lands,
so a re-run never waits on a host that keeps losing the race; its record names the worker it ran on."""

from __future__ import annotations

from jobs import workers
from jobs.models import Job
from jobs.selectors import pool_for

STEP_ASIDE_ATTEMPTS = 2


def host_of(worker: str) -> str:
    """``host:pid`` → ``host``."""
    return worker.rsplit(":", 1)[0]


def should_step_aside(job: Job, worker: str) -> bool:
    """Whether ``worker``, having claimed ``job``, should give it back for another host to run."""
    if job.reproduces_id is None or job.attempts > STEP_ASIDE_ATTEMPTS:
        return False
    original = Job.objects.filter(pk=job.reproduces_id).values_list("worker", flat=True).first() or ""
    mine = host_of(worker)
    if not original or host_of(original) != mine:
        return False
    return bool(workers.view().live_hosts(pool_for(job.resource_class)) - {mine})
