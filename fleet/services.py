"""Writes for worker records: register, heartbeat, stop, mark gone, forget."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from fleet.models import Worker
from fleet.selectors import forget_live_pools


def worker_register(
    *, name: str, host: str, pid: int, version: str, pools: list[str], gpus: list[dict], gpu_status: str
) -> Worker:
    """A worker starting up; a record with the same name (a reused pid) starts over."""
    now = timezone.now()
    worker, _ = Worker.objects.update_or_create(
        name=name,
        defaults={
            "host": host,
            "pid": pid,
            "version": version,
            "pools": pools,
            "gpus": gpus,
            "gpu_status": gpu_status,
            "telemetry": [],
            "current_job": None,
            "started_at": now,
            "heartbeat_at": now,
            "stopped_at": None,
            "gone_at": None,
        },
    )
    forget_live_pools()
    return worker


def worker_heartbeat(*, name: str, telemetry: list[dict], current_job: str | None) -> bool:
    """Refresh the record; False when it is gone (marked or deleted), so the worker registers again."""
    return bool(
        Worker.objects.filter(name=name, stopped_at__isnull=True, gone_at__isnull=True).update(
            heartbeat_at=timezone.now(), telemetry=telemetry, current_job=current_job
        )
    )


def worker_stop(*, name: str) -> bool:
    """A clean shutdown: the worker is no longer counted in its pools at once."""
    now = timezone.now()
    stopped = bool(
        Worker.objects.filter(name=name, stopped_at__isnull=True).update(stopped_at=now, current_job=None, telemetry=[])
    )
    forget_live_pools()
    return stopped


def workers_mark_gone(*, now: datetime | None = None) -> int:
    """Mark workers whose heartbeat stopped; forget those gone for ``LB_WORKER_FORGET_AFTER_S``."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.LB_HEARTBEAT_TIMEOUT_S)
    marked = Worker.objects.filter(heartbeat_at__lt=stale, gone_at__isnull=True, stopped_at__isnull=True).update(
        gone_at=now, current_job=None
    )
    forget = now - timedelta(seconds=settings.LB_WORKER_FORGET_AFTER_S)
    Worker.objects.filter(heartbeat_at__lt=forget).delete()
    return marked
