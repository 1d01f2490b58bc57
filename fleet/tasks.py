"""Huey hooks and periodic tasks of the fleet (autodiscovered by run_huey)."""

from __future__ import annotations

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_shutdown, on_startup


@on_startup()
def register_worker() -> None:
    """Register this worker (and start its heartbeat) before it takes a job."""
    from fleet import agent
    from jobs.runner import worker_name

    try:
        agent.start_once(worker_name())
    finally:
        close_old_connections()


@on_shutdown()
def unregister_worker() -> None:
    from fleet import agent

    agent.stop()


@db_periodic_task(crontab(minute="*"))
def mark_gone_workers() -> int:
    from fleet.services import workers_mark_gone

    return workers_mark_gone()
