"""core.db.insert_row stores what ``save(force_insert=True)`` stores and sends the same signals."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict

from core.db import insert_row
from jobs.models import Job, JobPhase, JobStatus
from submissions.models import Submission

pytestmark = pytest.mark.django_db


def _submission(user) -> Submission:
    return Submission.objects.create(
        owner=user, benchmark="toy", method="m", sha256="0" * 64, size_bytes=1, archive="x.zip"
    )


def _row(pk) -> dict:
    job = Job.objects.get(pk=pk)
    return {**model_to_dict(job), "created_at": job.created_at}


def test_the_row_is_the_one_the_orm_would_store(alice):
    submission = _submission(alice)
    fields = dict(
        submission_id=str(submission.pk),
        owner=alice,
        benchmark="toy",
        resource_class="small",
        max_attempts=5,
        reproducibility={"seed": 7},
    )
    ours, theirs = Job(id=uuid.uuid4(), **fields), Job(id=uuid.uuid4(), **fields)
    insert_row(ours)
    theirs.save(force_insert=True)

    stored, expected = _row(ours.pk), _row(theirs.pk)
    assert ours.created_at is not None and stored["created_at"] == ours.created_at  # auto_now_add, as save sets it
    for key in ("id", "created_at"):
        stored.pop(key, None), expected.pop(key, None)
    assert stored == expected
    assert stored["status"] == JobStatus.PENDING and stored["phase"] == JobPhase.QUEUED  # model defaults
    assert stored["reproducibility"] == {"seed": 7} and stored["metrics"] == {}  # JSON both ways
    assert not ours._state.adding and ours._state.db == "default"


def test_it_sends_pre_save_and_post_save_as_save_does(alice):
    seen = []

    def record(signal):
        return lambda sender, instance, **kwargs: seen.append((signal, sender, instance.pk, kwargs.get("created")))

    on_pre, on_post = record("pre"), record("post")
    pre_save.connect(on_pre, sender=Job)
    post_save.connect(on_post, sender=Job)
    try:
        job = Job(submission=_submission(alice), owner=alice, benchmark="toy", resource_class="small")
        insert_row(job)
    finally:
        pre_save.disconnect(on_pre, sender=Job)
        post_save.disconnect(on_post, sender=Job)
    assert seen == [("pre", Job, job.pk, None), ("post", Job, job.pk, True)]


def test_a_duplicate_key_is_the_databases_integrity_error(alice):
    """The enqueue's idempotency race relies on it: the loser's insert fails, and the row stays as it was."""
    job = Job(submission=_submission(alice), owner=alice, benchmark="toy", resource_class="small")
    insert_row(job)
    again = Job(id=job.pk, submission=job.submission, owner=alice, benchmark="other", resource_class="large")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_row(again)
    assert Job.objects.get(pk=job.pk).benchmark == "toy"


def test_a_model_with_a_database_made_key_is_refused():
    from django.contrib.auth import get_user_model

    with pytest.raises(TypeError, match="database-computed"):
        insert_row(get_user_model()(username="x"))
    assert not get_user_model().objects.filter(username="x").exists()
