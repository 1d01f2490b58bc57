"""A compiled read runs the ORM's own statement: for real arguments, the SQL and parameters it
runs are those the ORM builds from the same queryset function, and its row is the queryset's.
The enqueue's check (``jobs.selectors.ENQUEUE_CHECK``) is the read under test."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from core.compiled_read import CompiledRead, Param
from jobs import selectors
from jobs.models import Job, JobStatus
from submissions.models import Submission
from tests.conftest import client_for, upload

pytestmark = pytest.mark.django_db


def _arguments(owner, submission_id) -> dict:
    return {"owner_id": owner.pk, "submission_id": uuid.UUID(str(submission_id)), "since": timezone.now()}


@pytest.mark.parametrize("who", ["alice", "staff"])
def test_the_statement_run_is_the_orms_for_the_same_arguments(who, request):
    owner = request.getfixturevalue(who)
    arguments = _arguments(owner, uuid.uuid4())
    variant = (owner.is_staff, selectors.counts_against_quota())
    orm = selectors._enqueue_check_query(variant, **arguments).query.sql_with_params()
    assert selectors.ENQUEUE_CHECK.sql_with_params(variant, **arguments) == orm


def test_its_row_is_the_querysets(alice):
    submission_id = upload(client_for(alice)).json()["id"]
    submission = Submission.objects.get(pk=submission_id)
    for status in (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.COMPLETED, JobStatus.CANCELLED):
        Job.objects.create(submission=submission, owner=alice, benchmark="toy", status=status)
    arguments = _arguments(alice, submission_id)
    arguments["since"] -= timedelta(hours=1)
    variant = (False, selectors.counts_against_quota())
    row = selectors.ENQUEUE_CHECK.fetchone(variant, **arguments)
    assert row == tuple(selectors._enqueue_check_query(variant, **arguments)[0]) == ("toy", 2, 3)


def test_a_new_rule_is_a_new_statement(alice):
    arguments = _arguments(alice, uuid.uuid4())
    shipped = selectors.ENQUEUE_CHECK.sql_with_params((False, selectors.counts_against_quota()), **arguments)
    every_job = selectors.ENQUEUE_CHECK.sql_with_params((False, Q()), **arguments)
    assert shipped != every_job
    assert every_job == selectors._enqueue_check_query((False, Q()), **arguments).query.sql_with_params()


def test_an_argument_the_queryset_does_not_use_is_refused():
    read = CompiledRead(
        lambda variant, *, owner_id, since: Job.objects.filter(owner_id=owner_id).values_list("pk"),
        owner_id=Param(Job._meta.get_field("owner"), -91_001),
        since=Param(Job._meta.get_field("created_at"), timezone.now() - timedelta(days=40_000)),
    )
    with pytest.raises(ValueError, match="since"):
        read.statement()
