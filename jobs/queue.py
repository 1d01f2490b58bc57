"""The job queue as the rest of the platform sees it: push a job to its pool, read a
pool's depth, keep at most one sweep waiting. The one module that knows which Huey
class settings chose; callers use :func:`get` and the :class:`JobQueue` interface,
never attributes that only one Huey class has.

Two adapters over djhuey's ``HUEY``:

* :class:`PoolQueue`: the storage routes pools (``jobs/queue_huey.py``: Redis and
  the embedded SQLite queue). A job's message goes to its pool's queue (one INSERT
  on SQLite), and only a worker serving the pool takes it.
* :class:`SharedQueue`: any other ``huey.Huey`` (a plain ``RedisHuey``, an
  immediate-mode Huey). Every pool shares the main queue and every worker takes
  every pool's jobs (``manage.py check`` warns when several pools are configured);
  a pool's depth is counted among the waiting messages.
"""

from __future__ import annotations

import time
from typing import Protocol

from django.core.checks import Tags, Warning, register
from huey import Huey

from jobs.queue_huey import PoolStorage

# The key under which the queue's key-value store holds the time the waiting sweep was pushed.
SWEEP_MARK = "lb-sweep-waiting"


class JobQueue(Protocol):
    huey: Huey
    routes_pools: bool

    def push_job(self, job_id: str, pool: str) -> None: ...

    def pool_depth(self, pool: str) -> int: ...

    def waiting(self) -> int: ...

    def push_sweep(self, *, stale_after_s: float) -> bool: ...

    def sweep_taken(self) -> None: ...

    def take_job(self, pools: list[str]) -> str | None: ...


class _HueyQueue:
    routes_pools = False

    def __init__(self, huey: Huey) -> None:
        self.huey = huey

    def push_job(self, job_id: str, pool: str) -> None:
        """Queue ``run_job`` for ``job_id`` on ``pool``'s queue (the main queue when pools share it)."""
        from jobs.tasks import run_job

        self.huey.enqueue(run_job.s(job_id, pool=pool))

    def waiting(self) -> int:
        """Messages waiting in every queue (the main queue and each pool's)."""
        return self.huey.pending_count()

    def push_sweep(self, *, stale_after_s: float) -> bool:
        """Push one ``sweep_jobs`` unless one still waits: when every worker is busy a
        scheduler ticking each second must not pile sweeps up behind the jobs. A mark
        older than ``stale_after_s`` is taken for a lost message and a sweep is pushed."""
        from jobs.tasks import sweep_jobs

        now = time.time()
        if not self.huey.put_if_empty(SWEEP_MARK, now):
            pushed_at = self.huey.get(SWEEP_MARK, peek=True)
            if pushed_at is not None and now - pushed_at < stale_after_s:
                return False
            self.huey.put(SWEEP_MARK, now)
        self.huey.enqueue(sweep_jobs.s())
        return True

    def sweep_taken(self) -> None:
        """A worker started the waiting sweep: the scheduler may push the next."""
        self.huey.delete(SWEEP_MARK)


class PoolQueue(_HueyQueue):
    """A Huey whose storage keeps one queue per pool (``jobs/queue_huey.py``)."""

    routes_pools = True

    def pool_depth(self, pool: str) -> int:
        return self.huey.storage.pool_size(pool)

    def take_job(self, pools: list[str]) -> str | None:
        """The job id of one waiting message of ``pools`` (a remote worker's claim takes it off the
        queue as a local worker would); None when they are empty. The caller still claims the job
        with the conditional update: a stale message (a job cancelled or run already) loses there."""
        data = self.huey.storage.dequeue_pools(pools)
        if data is None:
            return None
        task = self.huey.deserialize_task(data)
        return str(task.args[0]) if task.args else None


class SharedQueue(_HueyQueue):
    """Any other Huey: one queue for every pool."""

    def pool_depth(self, pool: str) -> int:
        from jobs.tasks import run_job

        # Reads every waiting message: fine for the sweeper and a metrics scrape, the only
        # readers, and only on a queue that was not built for pools.
        return sum(
            1
            for task in self.huey.pending()
            if task.name == run_job.task_class.__name__ and (task.kwargs or {}).get("pool", "default") == pool
        )

    def take_job(self, pools: list[str]) -> str | None:
        """No message is taken from a queue every pool shares: the claim reads pending jobs from the
        database instead (remote_workers/services.py), and a local worker's later message is stale."""
        return None


def adapter_for(huey: Huey) -> JobQueue:
    """The adapter for ``huey``: pools routed when its storage knows them."""
    if not huey.immediate and isinstance(huey.storage, PoolStorage):
        return PoolQueue(huey)
    return SharedQueue(huey)


def get() -> JobQueue:
    """The configured queue (settings ``HUEY``)."""
    from huey.contrib.djhuey import HUEY

    return adapter_for(HUEY)


@register(Tags.compatibility)
def pools_routed(app_configs=None, **kwargs) -> list[Warning]:
    """Pools configured on a queue that cannot route them would be ignored without a word."""
    from django.conf import settings

    if len(settings.LB_POOLS) > 1 and not get().routes_pools:
        return [
            Warning(
                f"{len(settings.LB_POOLS)} pools are configured but the queue ({type(get().huey).__name__}) "
                "has one queue for all: every worker takes every pool's jobs.",
                hint="Use jobs.queue_huey.PoolRedisHuey or PoolSqliteHuey in settings HUEY.",
                id="jobs.W010",
            )
        ]
    return []
