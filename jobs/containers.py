"""Sandbox containers that outlived their worker (the ``docker`` backend).

A worker killed with SIGKILL (or a host's power cut of the worker alone) takes
the engine's ``run`` client with it, not the container: the engine keeps the
submission running, with its GPU and memory, long after the job was handed to
another worker. So every run's container carries labels saying whose it is
(``lb.job``, ``lb.worker`` = ``host:pid``, and this process's instance), set by
the runner through ``RunSpec.labels``; a worker starting up, and every sweep,
removes the labelled containers of this engine whose job is no longer running
on a live worker. Listing and removing are plain functions of the sandbox
(``sandbox.docker``); what counts as abandoned is decided here, from the database.
"""

from __future__ import annotations

import logging
import os
import shlex
import uuid

from django.conf import settings

from jobs import workers
from jobs.models import Job, JobStatus
from sandbox import docker

logger = logging.getLogger(__name__)

JOB_LABEL = "lb.job"
WORKER_LABEL = "lb.worker"
# A worker restarted in its container often gets the pid it had (and so the same
# host:pid name): this id, new in every process, tells the two apart.
INSTANCE_LABEL = "lb.worker.instance"
INSTANCE = uuid.uuid4().hex


def container_labels(*, job_id: str, worker: str) -> dict[str, str]:
    """The labels of a job's sandbox container (``RunSpec.labels``)."""
    return {JOB_LABEL: job_id, WORKER_LABEL: worker, INSTANCE_LABEL: INSTANCE}


def engine() -> list[str]:
    return [settings.LB_CONTAINER_CLI, *shlex.split(settings.LB_CONTAINER_CLI_ARGS)]


def containers_reap(*, me: str, engine_cli: list[str] | None = None) -> list[str]:
    """Remove this engine's sandbox containers whose job is no longer running on a live
    worker; returns their ids. ``me`` is the calling worker's ``host:pid``.

    A container is kept only while its job is ``running`` *by the worker that
    started it*, and that worker is not known dead: gone from the fleet, an
    earlier process under this worker's own name, or a process of this host that
    no longer exists. Everything else (a finished, cancelled or re-queued job, one
    now running elsewhere, a job id the database does not know) is removed."""
    cli = engine_cli or engine()
    found = docker.labelled_containers(cli, JOB_LABEL)
    if not found:
        return []
    job_ids = {_uuid(c.labels.get(JOB_LABEL, "")) for c in found} - {None}
    running = {
        (str(pk), worker)
        for pk, worker in Job.objects.filter(pk__in=job_ids, status=JobStatus.RUNNING).values_list("pk", "worker")
    }
    vanished = workers.view().vanished_workers({worker for _, worker in running})
    stale = [c for c in found if not _still_needed(c.labels, running=running, vanished=vanished, me=me)]
    if stale:
        docker.remove_containers(cli, [c.id for c in stale])
        for container in stale:
            logger.warning(
                "removed sandbox container %s of job %s (worker %s): its job no longer runs there",
                container.id[:12],
                container.labels.get(JOB_LABEL),
                container.labels.get(WORKER_LABEL),
                extra={"event": "sandbox_container_reaped", "job_id": container.labels.get(JOB_LABEL)},
            )
    return [c.id for c in stale]


def _still_needed(labels: dict[str, str], *, running: set[tuple[str, str]], vanished: set[str], me: str) -> bool:
    job_id = _uuid(labels.get(JOB_LABEL, ""))
    worker = labels.get(WORKER_LABEL, "")
    if job_id is None or (job_id, worker) not in running or worker in vanished:
        return False
    if worker == me:
        return labels.get(INSTANCE_LABEL) == INSTANCE  # else: a dead predecessor with this pid
    host, _, pid = worker.rpartition(":")
    my_host = me.rpartition(":")[0]
    # Same host (one pid namespace, for workers sharing a host name): a pid that is gone is
    # a worker that is gone, before its heartbeat goes stale. A reused pid keeps the
    # container until the sweeper re-queues the job; the next sweep removes it then.
    return not (host == my_host and pid.isdigit() and not _pid_alive(int(pid)))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None
