"""A phase's state follows the clock: upcoming refuses (with the start), running accepts, ended refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.errors import Conflict
from jobs.services import job_enqueue
from submissions.models import Submission
from tests.conftest import toy_files

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
END = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)


@pytest.fixture
def june_phase(make_phase):
    return make_phase(name="June", starts_at=START, ends_at=END)


def _raw_submission(user) -> Submission:
    return Submission.objects.create(
        owner=user, benchmark="toy", method="m", sha256="0" * 64, size_bytes=1, archive="x.tar.gz"
    )


def test_upcoming_refuses_uploads_and_jobs_with_the_start_time(june_phase, alice, as_alice, submit):
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        response = submit(as_alice, toy_files())
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "phase_not_started"
        assert body["starts_at"] == START.isoformat() and START.isoformat() in body["detail"]
        with pytest.raises(Conflict) as refused:
            job_enqueue(owner=alice, submission_id=_raw_submission(alice).pk)
        assert refused.value.code == "phase_not_started"


def test_running_accepts_uploads_and_jobs(june_phase, alice, as_alice, submit):
    with time_machine.travel(START + timedelta(seconds=1), tick=False):
        response = submit(as_alice, toy_files())
        assert response.status_code == 201, response.json()
        job, created = job_enqueue(owner=alice, submission_id=response.json()["id"])
        assert created and job.created_at == START + timedelta(seconds=1)


def test_ended_refuses_uploads_and_jobs(june_phase, alice, as_alice, submit):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        uploaded = submit(as_alice, toy_files()).json()["id"]  # uploaded while running
    with time_machine.travel(END, tick=False):  # the end is exclusive
        response = submit(as_alice, toy_files())
        assert response.status_code == 409 and response.json()["error"] == "phase_ended"
        with pytest.raises(Conflict) as refused:
            job_enqueue(owner=alice, submission_id=uploaded)  # enqueued after the end: refused
        assert refused.value.code == "phase_ended"


def test_next_phase_announced_between_phases(make_phase, alice, as_alice, submit):
    make_phase(name="Dev", starts_at=START, ends_at=END, ranks_on="public")
    make_phase(name="Test", starts_at=END + timedelta(days=1), ends_at=END + timedelta(days=8))
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        body = submit(as_alice, toy_files()).json()
        assert body["error"] == "phase_not_started" and body["phase"] == "Test"
    with time_machine.travel(END + timedelta(days=2), tick=False):
        assert submit(as_alice, toy_files()).status_code == 201


def test_phases_of_a_benchmark_cannot_overlap(make_phase):
    from django.core.exceptions import ValidationError

    make_phase(name="A", starts_at=START, ends_at=END)
    with pytest.raises(ValidationError, match="Overlaps"):
        make_phase(name="B", starts_at=END - timedelta(hours=1), ends_at=END + timedelta(days=1))
    with pytest.raises(ValidationError, match="time zone"):
        make_phase(name="C", starts_at=END, ends_at=END + timedelta(days=1), timezone="Mars/Olympus")


def test_no_phase_is_one_open_phase(alice, as_alice, submit, anonymous):
    response = submit(as_alice, toy_files())
    assert response.status_code == 201
    assert job_enqueue(owner=alice, submission_id=response.json()["id"])[1]
    phase = anonymous.get("/api/leaderboard", {"benchmark": "toy"}).json()["phase"]
    assert phase["id"] is None and phase["state"] == "running" and phase["ends_at"] is None
