"""The jobs table's indexes: every enqueue writes each of them, so each one earns its place.

The enqueue's two counts (the owner's active jobs, and the rate window's jobs with the quota
rule) are read from their indexes alone, in the statement the enqueue runs, and the lookups
the dropped single-column indexes served still find an index."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.selectors import ENQUEUE_CHECK, counts_against_quota
from tests.jobs.conftest import make_submission


@pytest.fixture
def platform_history(alice):
    """A month of finished jobs from ten submitters, alice among them, and each one's pending and running
    job, with the table's statistics gathered: on a near-empty table PostgreSQL's planner weighs every
    index alike and may pick any."""
    owners = [alice] + [get_user_model().objects.create_user(username=f"submitter-{i}") for i in range(9)]
    now = timezone.now()
    for owner in owners:
        submission = make_submission(owner)
        for day in range(30):
            made = Job.objects.bulk_create(
                Job(submission=submission, owner=owner, benchmark="toy", resource_class="small", status=status)
                for status in [JobStatus.COMPLETED] * 6 + [JobStatus.FAILED]
            )
            Job.objects.filter(pk__in=[job.pk for job in made]).update(created_at=now - timedelta(days=day, hours=2))
        for status in (JobStatus.PENDING, JobStatus.RUNNING):  # and today's, still in the queue or running
            Job.objects.create(
                submission=submission, owner=owner, benchmark="toy", resource_class="small", status=status
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")


def _plan(queryset) -> str:
    return _plan_sql(*queryset.query.sql_with_params())


def _plan_sql(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The plan if an index can serve at all (a tiny table is otherwise scanned).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(column) for column in row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_enqueue_checks_counts_read_only_their_indexes(alice, platform_history):
    """The statement the enqueue runs (jobs.selectors.ENQUEUE_CHECK): neither count reads a job's row, and
    the rate window's count (status and failure_kind decide whether a job counts) uses its own index."""
    sql, params = ENQUEUE_CHECK.sql_with_params(
        (False, counts_against_quota()), owner_id=alice.pk, submission_id=uuid.uuid4(), since=timezone.now()
    )
    plan = _plan_sql(sql, params)
    if connection.vendor == "postgresql":
        reads, index_only = [line for line in plan.splitlines() if " on jobs_job " in line], "Index Only Scan"
    else:
        reads, index_only = [line for line in plan.splitlines() if " U0 " in line], "COVERING INDEX"
    assert len(reads) == 2 and all(index_only in line for line in reads), plan
    rate_window = reads[1]  # the second count: the rate window's, with the quota rule, from its own index
    assert "jobs_job_rate_window_idx" in rate_window, plan


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", [{"owner_id": 1}, {"benchmark": "toy"}, {"owner_id": 1, "status": "pending"}])
def test_the_lookups_of_the_dropped_indexes_still_use_one(lookup):
    plan = _plan(Job.objects.filter(**lookup).values("id"))
    assert "INDEX" in plan.upper() and "Seq Scan" not in plan and "SCAN jobs_job" not in plan, plan
