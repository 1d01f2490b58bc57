"""The jobs table's indexes: every enqueue writes each of them, so each one earns its place.

The rate window's count is read from its index alone (status and failure_kind decide whether a
job counts), and the lookups the dropped single-column indexes served still find an index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from jobs.models import Job
from jobs.selectors import counts_against_quota


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
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
def test_the_rate_windows_count_reads_only_its_index(alice):
    """The rate window's count, with the quota rule (jobs.selectors.counts_against_quota)."""
    window = Job.objects.filter(counts_against_quota(), owner=alice, created_at__gte=timezone.now()).values("owner")
    plan = _plan(window.annotate(n=Count("*")).values("n"))
    covering = (
        "Index Only Scan using jobs_job_rate_window_idx"
        if connection.vendor == "postgresql"
        else ("COVERING INDEX jobs_job_rate_window_idx")
    )
    assert covering in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", [{"owner_id": 1}, {"benchmark": "toy"}, {"owner_id": 1, "status": "pending"}])
def test_the_lookups_of_the_dropped_indexes_still_use_one(lookup):
    plan = _plan(Job.objects.filter(**lookup).values("id"))
    assert "INDEX" in plan.upper() and "Seq Scan" not in plan and "SCAN jobs_job" not in plan, plan
