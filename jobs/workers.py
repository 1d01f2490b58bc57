"""What jobs needs to know about the workers, without importing the app that keeps
their records: that app (``fleet``) provides a ``WorkerView`` in its
``AppConfig.ready``. With no provider, only job heartbeats say a worker is lost,
every pool counts as served, and no job has a waiting reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.conf import settings


class WorkerView(Protocol):
    def vanished_workers(self, names: set[str], *, now: datetime | None = None) -> set[str]: ...

    def live_pools(self, *, now: datetime | None = None) -> set[str]: ...

    def waiting_reason(self, resource_class: str) -> str: ...

    def live_hosts(self, pool: str, *, now: datetime | None = None) -> set[str]: ...


class NoWorkerRecords:
    def vanished_workers(self, names: set[str], *, now: datetime | None = None) -> set[str]:
        return set()

    def live_pools(self, *, now: datetime | None = None) -> set[str]:
        return set(settings.LB_POOLS)

    def waiting_reason(self, resource_class: str) -> str:
        return ""

    def live_hosts(self, pool: str, *, now: datetime | None = None) -> set[str]:
        return set()  # nothing known: a re-run runs wherever it is taken (jobs/placement.py)


_provided: list[WorkerView] = []


def provide(view: WorkerView) -> None:
    """Called once by the app that keeps worker records (``fleet``), at ``ready()``."""
    _provided[:] = [view]


def view() -> WorkerView:
    return _provided[0] if _provided else NoWorkerRecords()
