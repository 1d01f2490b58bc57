"""Per-phase limits: the daily cap resets at the phase's midnight (UTC unless it sets a zone), total, concurrent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.errors import Conflict, LimitExceeded
from jobs.models import Job
from jobs.services import job_enqueue
from submissions.models import Submission

MARCH = datetime(2026, 3, 1, tzinfo=UTC)
# 23:50 in Tokyo (UTC+9, no DST) on 10 March is 14:50 UTC; Tokyo's midnight is 15:00 UTC.
BEFORE_TOKYO_MIDNIGHT = datetime(2026, 3, 10, 14, 50, tzinfo=UTC)
AFTER_TOKYO_MIDNIGHT = datetime(2026, 3, 10, 15, 0, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _generous_platform_limits(settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    settings.LB_RATE_JOBS_HOUR = "1000/h"


@pytest.fixture
def submission(alice):
    return Submission.objects.create(
        owner=alice, benchmark="toy", method="m", sha256="0" * 64, size_bytes=1, archive="x.tar.gz"
    )


def enqueue(user, submission):
    return job_enqueue(owner=user, submission_id=submission.pk)[0]


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "UTC"])
def test_daily_cap_resets_at_the_phases_midnight(make_phase, alice, submission, as_alice, zone):
    make_phase(starts_at=MARCH, ends_at=MARCH + timedelta(days=30), max_per_day=2, timezone=zone)
    with time_machine.travel(BEFORE_TOKYO_MIDNIGHT, tick=False):
        enqueue(alice, submission)
        enqueue(alice, submission)
        with pytest.raises(LimitExceeded) as refused:
            enqueue(alice, submission)
        resets = datetime(2026, 3, 10, 15, tzinfo=UTC) if zone == "Asia/Tokyo" else datetime(2026, 3, 11, tzinfo=UTC)
        assert refused.value.code == "phase_daily_limit"
        assert datetime.fromisoformat(refused.value.extra["resets_at"]) == resets
        assert int(refused.value.headers["Retry-After"]) == int((resets - BEFORE_TOKYO_MIDNIGHT).total_seconds()) + 1
        limit = next(row for row in as_alice.get("/api/me").json()["limits"] if row["name"] == "phase_jobs_per_day")
        assert (limit["benchmark"], limit["used"], limit["limit"]) == ("toy", 2, 2)
    with time_machine.travel(AFTER_TOKYO_MIDNIGHT, tick=False):
        if zone == "Asia/Tokyo":  # a new day in Tokyo
            assert enqueue(alice, submission).status == "pending"
        else:  # still 10 March in UTC
            with pytest.raises(LimitExceeded):
                enqueue(alice, submission)
    with time_machine.travel(datetime(2026, 3, 11, 0, 0, 1, tzinfo=UTC), tick=False):
        assert enqueue(alice, submission).status == "pending"


def test_daily_cap_is_per_user_and_ignores_cancelled_and_platform_failures(make_phase, alice, bob, submission):
    make_phase(starts_at=MARCH, ends_at=MARCH + timedelta(days=30), max_per_day=1)
    with time_machine.travel(BEFORE_TOKYO_MIDNIGHT, tick=False):
        first = enqueue(alice, submission)
        Job.objects.filter(pk=first.pk).update(status="failed", failure_kind="platform")
        second = enqueue(alice, submission)  # the platform's failure was not charged
        Job.objects.filter(pk=second.pk).update(status="cancelled")
        enqueue(alice, submission)
        with pytest.raises(LimitExceeded):
            enqueue(alice, submission)
        bobs = Submission.objects.create(
            owner=bob, benchmark="toy", method="b", sha256="0" * 64, size_bytes=1, archive="y.tar.gz"
        )
        assert enqueue(bob, bobs).status == "pending"


def test_total_and_concurrent_limits(make_phase, alice, submission):
    make_phase(starts_at=MARCH, ends_at=MARCH + timedelta(days=30), max_total=3, max_concurrent=2)
    with time_machine.travel(BEFORE_TOKYO_MIDNIGHT, tick=False):
        first, second = enqueue(alice, submission), enqueue(alice, submission)
        with pytest.raises(LimitExceeded) as busy:
            enqueue(alice, submission)
        assert busy.value.code == "phase_concurrent_limit"
        Job.objects.filter(pk__in=[first.pk, second.pk]).update(status="completed")
        enqueue(alice, submission)
    with time_machine.travel(BEFORE_TOKYO_MIDNIGHT + timedelta(days=3), tick=False):
        Job.objects.update(status="completed")
        with pytest.raises(Conflict) as spent:
            enqueue(alice, submission)
        assert spent.value.code == "phase_total_limit"


def test_limits_of_an_earlier_phase_do_not_carry_over(make_phase, alice, submission):
    make_phase(name="Dev", starts_at=MARCH, ends_at=MARCH + timedelta(days=10), max_total=1, ranks_on="public")
    make_phase(name="Test", starts_at=MARCH + timedelta(days=10), ends_at=MARCH + timedelta(days=20), max_total=1)
    with time_machine.travel(MARCH + timedelta(days=9, hours=23, minutes=59), tick=False):
        enqueue(alice, submission)
    with time_machine.travel(MARCH + timedelta(days=10), tick=False):
        enqueue(alice, submission)
        with pytest.raises(Conflict):
            enqueue(alice, submission)


def test_limit_errors_are_json_through_the_api(make_phase, alice, as_alice, submission):
    make_phase(starts_at=MARCH, ends_at=MARCH + timedelta(days=30), max_per_day=1)
    with time_machine.travel(BEFORE_TOKYO_MIDNIGHT, tick=False):
        assert as_alice.post("/api/jobs", {"submission": str(submission.pk)}, format="json").status_code == 201
        response = as_alice.post("/api/jobs", {"submission": str(submission.pk)}, format="json")
        assert response.status_code == 429 and response["Retry-After"]
        assert response.json()["error"] == "phase_daily_limit" and "resets_at" in response.json()
