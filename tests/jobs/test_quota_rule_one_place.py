"""The quota rule ("which jobs count against a user") has one definition,
``jobs.selectors.counts_against_quota``. Changed there alone, every path follows: the
usage ``/api/me`` shows, the enqueue's rate check, and the phase limits of the admission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict, LimitExceeded
from jobs import selectors
from jobs.services import job_enqueue
from phases.models import Phase

pytestmark = pytest.mark.django_db


def _shown(client, name: str, benchmark: str | None = None) -> int:
    limits = client.get("/api/me").json()["limits"]
    return next(row["used"] for row in limits if row["name"] == name and row.get("benchmark") == benchmark)


@pytest.fixture
def every_job_counts(monkeypatch):
    """The rule changed in its one place: cancelled jobs and the platform's failures count too."""

    def change():
        monkeypatch.setattr(selectors, "counts_against_quota", lambda: Q())

    return change


def test_the_rate_shown_and_the_enqueue_follow_the_one_definition(alice, as_alice, history, settings, every_job_counts):
    mine, _ = history  # in the window: pending, running, completed, cancelled, two failed
    settings.LB_MAX_ACTIVE_JOBS_PER_USER, settings.LB_RATE_JOBS_HOUR = 100, "5/h"
    assert _shown(as_alice, "jobs_per_window") == 4  # the shipped rule: not cancelled, not the platform's
    every_job_counts()
    assert _shown(as_alice, "jobs_per_window") == 6
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=mine.pk)  # 6 >= 5; the shipped rule would admit it (4 < 5)
    assert refused.value.code == "rate_limited"


def test_the_shipped_rule_admits_that_same_enqueue(alice, history, settings):
    mine, _ = history
    settings.LB_MAX_ACTIVE_JOBS_PER_USER, settings.LB_RATE_JOBS_HOUR = 100, "5/h"
    assert job_enqueue(owner=alice, submission_id=mine.pk)[1]


def test_the_phase_usage_and_its_admission_follow_the_one_definition(
    alice, as_alice, history, settings, every_job_counts
):
    mine, _ = history
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="Final", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1), max_total=5
    )
    assert _shown(as_alice, "phase_jobs_total", "toy") == 4
    every_job_counts()
    assert _shown(as_alice, "phase_jobs_total", "toy") == 6
    with pytest.raises(Conflict) as refused:
        job_enqueue(owner=alice, submission_id=mine.pk)
    assert refused.value.code == "phase_total_limit"
