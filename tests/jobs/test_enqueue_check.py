"""The enqueue's check (under the owner's lock) must count exactly what the usage selectors count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import NotFound
from jobs.enqueue_lock import enqueue_lock
from jobs.models import Job, JobStatus
from jobs.selectors import active_job_count, enqueue_check, job_rate_usage
from tests.jobs.conftest import make_job, make_submission


def _check(user, submission_id):
    with enqueue_lock(user):
        return enqueue_check(owner=user, submission_id=submission_id)


@pytest.mark.django_db
def test_the_counts_match_the_orm_spellings(alice, history):
    mine, _ = history
    check = _check(alice, mine.pk)
    assert check.benchmark == "toy"
    assert check.active == active_job_count(owner=alice) == 2  # pending + running
    # pending, running, completed, failed by the user's code; not cancelled, not the platform's failure, not old
    assert check.rate.used == job_rate_usage(owner=alice).used == 4
    assert check.rate.limit == 100 and not check.rate.exhausted


@pytest.mark.django_db
def test_someone_elses_submission_is_invisible_except_to_staff(alice, staff, history):
    _, theirs = history
    assert _check(alice, theirs.pk).benchmark is None
    assert _check(staff, theirs.pk).benchmark == "toy"
    assert _check(staff, theirs.pk).active == active_job_count(owner=staff) == 0


@pytest.mark.django_db
def test_at_the_rate_limit_it_says_when_a_slot_frees(alice, history, settings):
    mine, _ = history
    settings.LB_RATE_JOBS_HOUR = "4/h"
    usage = job_rate_usage(owner=alice)
    check = _check(alice, mine.pk)
    assert check.rate.exhausted and usage.exhausted
    assert check.rate.frees_at == usage.frees_at


@pytest.mark.django_db
def test_a_malformed_or_unknown_submission_id(alice, history):
    with pytest.raises(NotFound):
        _check(alice, "not-a-uuid")
    assert _check(alice, "00000000-0000-0000-0000-000000000000").benchmark is None


@pytest.mark.django_db
def test_an_active_job_older_than_the_rate_window_still_counts_as_active(alice, settings):
    """The check reads only jobs that are active or inside the window: an old running job is the first kind."""
    settings.LB_RATE_JOBS_HOUR = "100/h"
    mine = make_submission(alice)
    old = make_job(alice, mine, JobStatus.RUNNING)
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=5))
    check = _check(alice, mine.pk)
    assert check.active == active_job_count(owner=alice) == 1
    assert check.rate.used == job_rate_usage(owner=alice).used == 0
