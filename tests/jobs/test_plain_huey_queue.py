"""The queue interface over a plain ``huey.Huey`` (no pool storage): the sweeper reads pool
depths and re-enqueues a lost job through jobs/queue.py, with no attribute that only
jobs/queue_huey.py's classes have. Every pool shares the one queue."""

from __future__ import annotations

from datetime import timedelta

import huey.contrib.djhuey as djhuey
import pytest
from django.utils import timezone
from huey import SqliteHuey

from jobs import queue as job_queue
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.sweeper import jobs_sweep
from jobs.tasks import run_job, sweep_jobs
from tests.conftest import toy_files


@pytest.fixture
def plain_huey(tmp_path, monkeypatch):
    """The configured queue is a plain SqliteHuey, as settings naming ``huey.SqliteHuey`` would make."""
    plain = SqliteHuey("lb-plain", filename=str(tmp_path / "plain.sqlite3"))
    for task in (run_job, sweep_jobs):  # registered on it, as on the configured Huey at import
        plain.task()(task.func)
    monkeypatch.setattr(djhuey, "HUEY", plain)
    return plain


def test_a_plain_huey_gets_the_shared_adapter(plain_huey):
    queue = job_queue.get()
    assert isinstance(queue, job_queue.SharedQueue) and not queue.routes_pools
    queue.push_job("j1", "big")
    queue.push_job("j2", "default")
    assert queue.pool_depth("big") == 1 and queue.pool_depth("default") == 1 and queue.waiting() == 2
    assert [task.kwargs["pool"] for task in plain_huey.pending()] == ["big", "default"]


def test_the_sweeper_re_enqueues_a_lost_job_on_a_plain_huey(
    alice, as_alice, submit, prepared_toy, settings, plain_huey, django_capture_on_commit_callbacks
):
    submission_id = submit(as_alice, toy_files()).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = job_enqueue(owner=alice, submission_id=submission_id)
    assert job_queue.get().pool_depth("default") == 1
    plain_huey.flush()  # the broker lost its messages
    Job.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.LB_REQUEUE_PENDING_AFTER_S + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep()["reenqueued"] == 1
    [task] = plain_huey.pending()
    assert task.name == run_job.task_class.__name__ and task.args == (str(job.pk),)


def test_a_plain_huey_runs_every_pools_job_where_it_lands(plain_huey, settings, db):
    """No pool queues to send it to: a worker outside the pool runs it rather than bouncing it for ever."""
    settings.LB_WORKER_POOLS = ["default"]
    assert run_job.call_local("00000000-0000-0000-0000-000000000000", pool="big") != "rerouted"
    assert plain_huey.pending_count() == 0


def test_the_sweep_is_pushed_once_while_one_waits(plain_huey):
    queue = job_queue.get()
    assert queue.push_sweep(stale_after_s=60) and not queue.push_sweep(stale_after_s=60)
    assert plain_huey.pending_count() == 1
    queue.sweep_taken()  # a worker started it
    assert queue.push_sweep(stale_after_s=60) and plain_huey.pending_count() == 2
    assert queue.push_sweep(stale_after_s=0)  # an old mark: its message was lost
