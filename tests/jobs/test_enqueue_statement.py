"""The enqueue is one ORM path under the owner's enqueue lock (jobs/enqueue_lock.py): it must
store what ``save()`` stores, refuse at each limit
without inserting, and serialise two racing enqueues of one owner on that lock."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connections

from core.errors import LimitExceeded, NotFound
from jobs.enqueue_lock import enqueue_lock
from jobs.models import Job, JobStatus
from jobs.services import job_enqueue
from tests.jobs.conftest import make_submission


@pytest.mark.django_db
def test_the_row_it_inserts_is_pending_with_the_submissions_benchmark(alice):
    submission = make_submission(alice)
    job, created = job_enqueue(owner=alice, submission_id=submission.pk)
    stored = Job.objects.get(pk=job.pk)
    assert created and not job._state.adding
    assert (stored.status, stored.benchmark, stored.owner_id) == (JobStatus.PENDING, "toy", alice.pk)
    assert stored.created_at == job.created_at


@pytest.mark.django_db
def test_it_refuses_at_each_limit_and_inserts_nothing(alice, staff, history, settings):
    mine, theirs = history
    before = Job.objects.count()
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2  # 2 active
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=mine.pk)
    assert refused.value.code == "too_many_active_jobs"
    settings.LB_MAX_ACTIVE_JOBS_PER_USER, settings.LB_RATE_JOBS_HOUR = 3, "4/h"  # 4 counted in the window
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=mine.pk)
    assert refused.value.code == "rate_limited"
    with pytest.raises(NotFound):
        job_enqueue(owner=alice, submission_id=theirs.pk)
    assert Job.objects.count() == before
    settings.LB_RATE_JOBS_HOUR = "5/h"
    assert job_enqueue(owner=alice, submission_id=mine.pk)[1]  # one below each limit
    assert job_enqueue(owner=staff, submission_id=theirs.pk)[1]  # staff may run anyone's submission


@pytest.mark.django_db
def test_a_taken_key_replays_the_stored_job(alice):
    submission = make_submission(alice)
    first, _ = job_enqueue(owner=alice, submission_id=submission.pk, job_id=uuid.uuid4())
    again, created = job_enqueue(owner=alice, submission_id=submission.pk, job_id=first.pk)
    assert again.pk == first.pk and not created
    assert Job.objects.filter(owner=alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_racing_enqueue_waits_for_the_owners_lock_and_counts_the_job(alice, settings):
    """While one request holds alice's enqueue lock and inserts a job, another enqueue waits,
    then counts that job: with a limit of one active job it refuses."""
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 1
    submission = make_submission(alice)
    locked, release = threading.Event(), threading.Event()
    outcomes = []

    def holder_path():
        try:
            with enqueue_lock(alice):
                Job.objects.create(submission=submission, owner=alice, benchmark="toy", resource_class="small")
                locked.set()
                release.wait(10)
        finally:
            connections["default"].close()

    def enqueuer_path():
        try:
            job_enqueue(owner=alice, submission_id=submission.pk)
            outcomes.append("inserted")
        except LimitExceeded as refused:
            outcomes.append(refused.code)
        finally:
            connections["default"].close()

    holder = threading.Thread(target=holder_path)
    holder.start()
    assert locked.wait(10)
    enqueuer = threading.Thread(target=enqueuer_path)
    enqueuer.start()
    time.sleep(0.5)
    waited = not outcomes
    release.set()
    holder.join(10), enqueuer.join(10)
    assert waited, "the enqueue did not wait for the owner's lock"
    assert outcomes == ["too_many_active_jobs"]
    assert Job.objects.filter(owner=alice).count() == 1
