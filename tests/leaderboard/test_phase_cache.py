"""Admission reads a benchmark's phases from the shared cache; every write that changes a phase forgets them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import Conflict
from jobs.services import job_enqueue
from leaderboard.finals import phase_close
from tests.conftest import client_for, upload


def _phase_reads(captured) -> int:
    return sum('FROM "leaderboard_phase"' in q["sql"] for q in captured.captured_queries)


@pytest.fixture
def submission_id(alice):
    return upload(client_for(alice)).json()["id"]


def test_admission_reads_the_phases_once(make_phase, alice, submission_id):
    make_phase()
    with CaptureQueriesContext(connection) as first:
        job_enqueue(owner=alice, submission_id=submission_id)
    with CaptureQueriesContext(connection) as second:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert _phase_reads(first) == 1 and _phase_reads(second) == 0


def test_a_phase_ended_by_a_model_save_refuses_the_next_job(make_phase, alice, submission_id):
    phase = make_phase()
    job_enqueue(owner=alice, submission_id=submission_id)  # the running phase is now cached
    phase.ends_at = timezone.now() - timedelta(seconds=1)
    phase.save()  # as the admin does
    with pytest.raises(Conflict) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "phase_ended"


def test_a_staff_close_refuses_the_next_job(make_phase, alice, staff, submission_id):
    make_phase()
    job_enqueue(owner=alice, submission_id=submission_id)
    phase_close(slug="toy", actor=staff)  # a conditional update, no model save
    with pytest.raises(Conflict) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "phase_ended"


def test_a_new_phase_is_seen_by_the_next_upload(make_phase, alice, submission_id):
    job_enqueue(owner=alice, submission_id=submission_id)  # no phase: the implicit, open one is cached
    make_phase(starts_in=timedelta(hours=1), ends_in=timedelta(days=1), name="Later")
    response = upload(client_for(alice))
    assert response.status_code == 409 and response.json()["error"] == "phase_not_started"
