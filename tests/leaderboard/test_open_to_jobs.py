"""Which benchmarks admit a job without counting the owner's jobs (the one-statement enqueue's
question, ``phases.selectors.open_to_jobs``): a running phase with no per-phase limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phases.selectors import open_to_jobs

pytestmark = pytest.mark.django_db


def _open_now() -> set[str]:
    return open_to_jobs(now=timezone.now())


def test_a_benchmark_without_phases_is_open():
    assert _open_now() == {"toy"}


def test_a_running_phase_without_limits_is_open(make_phase):
    make_phase()
    assert _open_now() == {"toy"}


@pytest.mark.parametrize("fields", [{"max_per_day": 3}, {"max_total": 10}, {"max_concurrent": 1}])
def test_a_phase_limit_sends_the_job_to_the_counted_path(make_phase, fields):
    make_phase(**fields)
    assert _open_now() == set()


@pytest.mark.parametrize(
    "window",
    [
        {"starts_in": timedelta(hours=1), "ends_in": timedelta(days=1)},  # not started
        {"starts_in": timedelta(days=-2), "ends_in": timedelta(days=-1)},  # ended
    ],
)
def test_a_phase_that_is_not_running_is_not_open(make_phase, window):
    make_phase(**window)
    assert _open_now() == set()


def test_an_edited_phase_is_seen_at_once(make_phase):
    phase = make_phase()
    assert _open_now() == {"toy"}  # now cached
    phase.max_per_day = 1
    phase.save()
    assert _open_now() == set()
