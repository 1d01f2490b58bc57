"""The one process that pushes periodic work (``manage.py run_scheduler``).

Workers run ``run_huey -n`` (no periodic tasks): were each consumer to push them, N
workers would push N copies of every sweep. This loop pushes

* ``jobs.tasks.sweep_jobs`` every ``LB_SWEEP_INTERVAL_S`` seconds (down to 1 s, which
  Huey's crontab periodic tasks, one check a minute, cannot do), at most one waiting
  at a time (``JobQueue.push_sweep``);
* Huey's periodic tasks (``db_periodic_task``: fleet's gone-worker mark, the phase
  reveal) once per wall-clock minute, as Huey's own consumer would.

It only enqueues: the workers run what it pushes, and it needs the queue, not the database.
"""

from __future__ import annotations

import logging
import threading
import time

from huey import Huey

from jobs.queue import JobQueue

logger = logging.getLogger(__name__)


def run(*, huey: Huey, queue: JobQueue, interval_s: float, stop: threading.Event) -> None:
    """Push until ``stop`` is set."""
    interval_s = max(1.0, float(interval_s))
    stale_after_s = max(5 * interval_s, 60.0)  # a sweep waiting this long lost its message
    logger.info(
        "scheduler started: a sweep every %.0f s, periodic tasks every minute",
        interval_s,
        extra={"event": "scheduler_started", "sweep_interval_s": interval_s},
    )
    next_sweep = time.monotonic()
    last_minute = None
    while not stop.is_set():
        now = time.monotonic()
        if now >= next_sweep:
            try:
                queue.push_sweep(stale_after_s=stale_after_s)
            except Exception:  # a broker outage: try again next interval
                logger.exception("could not push the sweep")
            next_sweep += interval_s
            if next_sweep <= now:  # a stall (suspend, a slow broker): skip the missed ticks
                next_sweep = now + interval_s
        minute = int(time.time() // 60)
        if minute != last_minute:
            last_minute = minute
            _push_periodic(huey)
        stop.wait(max(0.0, min(next_sweep, _next_minute_s()) - time.monotonic()))
    logger.info("scheduler stopped", extra={"event": "scheduler_stopped"})


def _next_minute_s() -> float:
    """The monotonic time of the next wall-clock minute."""
    return time.monotonic() + 60 - time.time() % 60 + 0.01


def _push_periodic(huey: Huey) -> None:
    for task in huey.read_periodic(None):  # None: Huey's own clock (UTC or local, as configured)
        try:
            huey.enqueue(task)
            logger.info("pushed periodic task %s", task.name, extra={"event": "periodic_pushed", "task": task.name})
        except Exception:
            logger.exception("could not push periodic task %s", task.name)
