"""The worker's side of the fleet: register on start, then one heartbeat
thread that publishes the GPU readings and the job the worker is on.

Started by Huey's start-up hook (fleet/tasks.py), once per worker process.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import threading

from django.conf import settings
from django.db import close_old_connections

from core.nvml import GpuPoller, shared_poller
from fleet import services

logger = logging.getLogger(__name__)


def version() -> str:
    """LB_WORKER_VERSION, else the git sha of the code (short), else ""."""
    if settings.LB_WORKER_VERSION:
        return settings.LB_WORKER_VERSION
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5
        )
        return result.stdout.strip() if result.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


class WorkerAgent:
    def __init__(self, *, name: str, poller: GpuPoller | None = None) -> None:
        self.name = name
        self.host = settings.LB_WORKER_HOST or socket.gethostname()
        self.poller = poller or shared_poller()
        self.poller.interval_s = settings.LB_GPU_POLL_S
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self) -> None:
        gpus = [vars(gpu) for gpu in self.poller.reader.gpus()]
        services.worker_register(
            name=self.name,
            host=self.host,
            pid=os.getpid(),
            version=version(),
            pools=list(settings.LB_WORKER_POOLS),
            gpus=gpus,
            gpu_status=self.poller.reader.status,
        )
        logger.info(
            json.dumps(
                {
                    "event": "worker_registered",
                    "worker": self.name,
                    "pools": list(settings.LB_WORKER_POOLS),
                    "gpu": self.poller.reader.status,
                }
            )
        )

    def start(self) -> None:
        self.register()
        self.poller.start()
        self._thread = threading.Thread(target=self._run, name="fleet-heartbeat", daemon=True)
        self._thread.start()

    def beat(self) -> None:
        from jobs.selectors import running_job_of

        telemetry = [reading.as_dict() for reading in self.poller.latest]
        job = running_job_of(worker=self.name)
        if not services.worker_heartbeat(name=self.name, telemetry=telemetry, current_job=job):
            logger.warning("worker record %s was marked gone; registering again", self.name)
            self.register()

    def _run(self) -> None:
        while not self._stop.wait(settings.LB_HEARTBEAT_S):
            try:
                self.beat()
            except Exception:  # a database blip: the next beat tries again
                logger.exception("fleet heartbeat failed")
            finally:
                close_old_connections()

    def stop(self) -> None:
        self._stop.set()
        self.poller.stop()
        try:
            services.worker_stop(name=self.name)
        finally:
            close_old_connections()


_AGENT: WorkerAgent | None = None
_LOCK = threading.Lock()


def start_once(name: str) -> WorkerAgent:
    """The process's agent, started on the first call (Huey calls start-up hooks per worker thread)."""
    global _AGENT
    with _LOCK:
        if _AGENT is None:
            _AGENT = WorkerAgent(name=name)
            _AGENT.start()
        return _AGENT


def stop() -> None:
    global _AGENT
    with _LOCK:
        if _AGENT is not None:
            _AGENT.stop()
            _AGENT = None
