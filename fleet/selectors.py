"""Reads about the fleet shared by the page, the socket, admin, /metrics and the sweeper."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from fleet.models import Worker


def _alive_since(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LB_HEARTBEAT_TIMEOUT_S)


def live_workers(*, now: datetime | None = None) -> QuerySet[Worker]:
    now = now or timezone.now()
    return Worker.objects.filter(heartbeat_at__gte=_alive_since(now), stopped_at__isnull=True)


def is_alive(worker: Worker, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return worker.stopped_at is None and worker.heartbeat_at >= _alive_since(now)


def live_pools(*, now: datetime | None = None) -> set[str]:
    """Pools served by at least one live worker."""
    pools: set[str] = set()
    for served in live_workers(now=now).values_list("pools", flat=True):
        pools.update(served)
    return pools


def live_hosts(pool: str, *, now: datetime | None = None) -> set[str]:
    """Hosts with a live worker serving ``pool`` (where a platform re-run may go: jobs/placement.py)."""
    return {host for host, pools in live_workers(now=now).values_list("host", "pools") if pool in (pools or [])}


# The waiting reason shown on every status poll of a pending job reads the live pools
# from a per-process memo: liveness already has LB_HEARTBEAT_TIMEOUT_S of slack, so a
# second or two more costs nothing, and a status poll saves a query. The sweeper and
# enqueue read live_pools() itself. This process's own register/stop forget the memo.
_live_pools_memo: tuple[float, frozenset[str]] | None = None


def live_pools_recent() -> frozenset[str]:
    """``live_pools()``, at most ``LB_LIVE_POOLS_MEMO_S`` old (for display: waiting reasons)."""
    global _live_pools_memo
    memo, now = _live_pools_memo, time.monotonic()
    if memo is None or now - memo[0] > settings.LB_LIVE_POOLS_MEMO_S:
        memo = _live_pools_memo = (now, frozenset(live_pools()))
    return memo[1]


def forget_live_pools() -> None:
    global _live_pools_memo
    _live_pools_memo = None


def vanished_workers(names: set[str], *, now: datetime | None = None) -> set[str]:
    """Of ``names``, the workers whose record says they are gone (a name with no record is unknown, not gone)."""
    names = {name for name in names if name}
    if not names:
        return set()
    known = Worker.objects.filter(name__in=names)
    alive = set(live_workers(now=now).filter(name__in=names).values_list("name", flat=True))
    return set(known.values_list("name", flat=True)) - alive


def pool_has_live_worker(pool: str) -> bool:
    return pool in live_pools()


def fleet_snapshot(*, now: datetime | None = None) -> list[dict]:
    """Every known worker, by host and pid (a stable order for the page), as the fleet page shows it."""
    now = now or timezone.now()
    rows = []
    for worker in Worker.objects.order_by("host", "pid")[:500]:
        rows.append(
            {
                "name": worker.name,
                "host": worker.host,
                "pid": worker.pid,
                "version": worker.version,
                "pools": worker.pools,
                "gpus": worker.gpus,
                "gpu_status": worker.gpu_status,
                "telemetry": worker.telemetry,
                "current_job": str(worker.current_job) if worker.current_job else None,
                "started_at": worker.started_at.isoformat(),
                "heartbeat_at": worker.heartbeat_at.isoformat(),
                "heartbeat_age_s": round((now - worker.heartbeat_at).total_seconds(), 1),
                "state": "alive" if is_alive(worker, now=now) else ("stopped" if worker.stopped_at else "gone"),
            }
        )
    return rows


def waiting_reason(resource_class: str, *, live: set[str] | None = None) -> str:
    """``waiting for a worker in pool X`` when no live worker serves the class's pool, else ""."""
    from jobs.selectors import pool_for

    pool = pool_for(resource_class)
    live = live_pools_recent() if live is None else live
    return "" if pool in live else f"waiting for a worker in pool {pool}"


def pool_summary(*, now: datetime | None = None, waiting_limit: int = 20) -> list[dict]:
    """Per pool: live workers, queue depth, pending and running jobs, and the waiting jobs themselves."""
    from jobs import queue as job_queue
    from jobs.models import Job, JobStatus
    from jobs.selectors import in_pools

    now = now or timezone.now()
    live = list(live_workers(now=now).values_list("name", "pools"))
    summary = []
    for pool in settings.LB_POOLS:
        jobs = Job.objects.filter(in_pools([pool]))
        pending = jobs.filter(status=JobStatus.PENDING)
        workers = [name for name, pools in live if pool in pools]
        summary.append(
            {
                "pool": pool,
                "classes": sorted(
                    n for n, s in settings.LB_RESOURCE_CLASSES.items() if s.get("pool", "default") == pool
                ),
                "live_workers": workers,
                "queue_depth": job_queue.get().pool_depth(pool),
                "pending": pending.count(),
                "running": jobs.filter(status=JobStatus.RUNNING).count(),
                "reason": "" if workers else f"waiting for a worker in pool {pool}",
                "waiting": [
                    {
                        "id": str(pk),
                        "owner": owner,
                        "benchmark": benchmark,
                        "resource_class": rc,
                        "queued_at": queued_at.isoformat() if queued_at else None,
                    }
                    for pk, owner, benchmark, rc, queued_at in pending.order_by("queued_at").values_list(
                        "pk", "owner__username", "benchmark", "resource_class", "queued_at"
                    )[:waiting_limit]
                ],
            }
        )
    return summary
