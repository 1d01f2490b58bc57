"""``manage.py run_scheduler``: the one process that pushes periodic work (jobs/scheduler.py).
Run exactly one per queue; workers run ``manage.py run_huey -n``."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules


class Command(BaseCommand):
    help = "Push the job sweep every LB_SWEEP_INTERVAL_S seconds and Huey's periodic tasks every minute."

    def handle(self, *args, **options) -> None:
        from huey.contrib.djhuey import HUEY

        from jobs import queue as job_queue
        from jobs.scheduler import run

        autodiscover_modules("tasks")  # every app's periodic tasks, as run_huey loads them
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        run(huey=HUEY, queue=job_queue.get(), interval_s=settings.LB_SWEEP_INTERVAL_S, stop=stop)
