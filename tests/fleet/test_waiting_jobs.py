"""A job whose pool has no live worker waits with its reason and never fails
for it; the sweeper's "worker vanished" uses the worker records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fleet.models import Worker
from jobs.models import Job
from jobs.services import job_enqueue
from jobs.sweeper import jobs_sweep
from tests.conftest import toy_files

BIG = {"timeout_s": 60, "memory_mb": 1024, "cpus": 1, "max_procs": 64, "max_output_mb": 10, "gpus": 0, "pool": "big"}


@pytest.fixture
def big_pool(settings):
    settings.LB_RESOURCE_CLASSES = {**settings.LB_RESOURCE_CLASSES, "big": BIG}
    settings.LB_POOLS = sorted({*settings.LB_POOLS, "big"})


@pytest.fixture
def big_job(big_pool, alice, as_alice, submit, prepared_toy):
    submission_id = submit(as_alice, toy_files()).json()["id"]
    return job_enqueue(owner=alice, submission_id=submission_id, resource_class="big")[0]


def test_status_says_why_a_job_waits_and_until_when(big_job, as_alice, live_worker):
    live_worker(pools=["default"])
    status = as_alice.get(f"/api/jobs/{big_job.pk}/status").json()
    assert status["status"] == "pending" and status["pool"] == "big"
    assert status["reason"] == "waiting for a worker in pool big"
    assert status["deadline"]

    live_worker(pools=["big"], name="host-b:7")
    assert as_alice.get(f"/api/jobs/{big_job.pk}/status").json()["reason"] == ""


def test_no_live_worker_in_the_pool_never_fails_the_job(big_job, settings, live_worker):
    live_worker(pools=["default"])
    long_ago = timezone.now() - timedelta(seconds=settings.LB_PENDING_DEADLINE_S + 60)
    Job.objects.filter(pk=big_job.pk).update(queued_at=long_ago)
    jobs_sweep()
    big_job.refresh_from_db()
    assert big_job.status == "pending"
    assert big_job.queued_at > long_ago + timedelta(seconds=60)  # the queue clock restarted

    # A worker that arrives later has the whole deadline; a job lost in a served pool still fails.
    live_worker(pools=["big"], name="host-b:7")
    Job.objects.filter(pk=big_job.pk).update(queued_at=long_ago)
    jobs_sweep()
    big_job.refresh_from_db()
    assert big_job.status == "failed" and "waited in the queue" in big_job.error


def test_a_job_of_a_worker_whose_record_is_gone_is_requeued(
    big_job, settings, live_worker, django_capture_on_commit_callbacks
):
    worker = live_worker(pools=["big"], name="host-b:7")
    now = timezone.now()
    # The job's own heartbeat looks fresh, but the worker's record stopped beating.
    Job.objects.filter(pk=big_job.pk).update(
        status="running", phase="executing", worker=worker.name, attempts=1, started_at=now, heartbeat_at=now
    )
    Worker.objects.filter(pk=worker.pk).update(
        heartbeat_at=now - timedelta(seconds=settings.LB_HEARTBEAT_TIMEOUT_S + 1)
    )
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        assert jobs_sweep()["requeued"] == 1
    big_job.refresh_from_db()
    assert big_job.status == "pending" and big_job.worker == ""
    assert len(enqueued) == 1


def test_a_live_worker_record_keeps_its_job(big_job, live_worker):
    worker = live_worker(pools=["big"], name="host-b:7")
    now = timezone.now()
    Job.objects.filter(pk=big_job.pk).update(
        status="running", phase="executing", worker=worker.name, attempts=1, started_at=now, heartbeat_at=now
    )
    assert jobs_sweep()["requeued"] == 0


def test_staff_see_waiting_jobs_per_pool_in_admin(big_job, staff, live_worker):
    from django.test import Client

    live_worker(pools=["default"])
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/fleet/waitingjob/", {"pool": "big"}).content.decode()
    assert str(big_job.pk) in page and "waiting for a worker in pool big" in page
    assert str(big_job.pk) not in client.get("/admin/fleet/waitingjob/", {"pool": "default"}).content.decode()
    workers = client.get("/admin/fleet/worker/").content.decode()
    assert "host-a:101" in workers and "alive" in workers and 'href="/fleet/"' in workers
    assert 'href="/fleet/"' in client.get("/admin/").content.decode()  # the fleet page is linked from admin


def test_a_message_on_a_worker_outside_its_pool_goes_back_to_the_pool(big_job, settings):
    from jobs import queue as job_queue
    from jobs.tasks import run_job

    settings.LB_WORKER_POOLS = ["default"]
    before = job_queue.get().pool_depth("big")
    assert run_job.call_local(str(big_job.pk), pool="big") == "rerouted"
    assert job_queue.get().pool_depth("big") == before + 1
    big_job.refresh_from_db()
    assert big_job.status == "pending" and big_job.attempts == 0  # never claimed here
