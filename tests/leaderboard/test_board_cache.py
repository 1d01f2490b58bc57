"""The board JSON is served from the shared cache until a write or the phase clock changes it:
a read of an unchanged board runs no query, and every change is seen by the next read."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.signals import job_completed


def _board(client) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/leaderboard", {"benchmark": "toy"})
    assert response.status_code == 200, response.content
    return response.json(), len(captured.captured_queries)


def _methods(data: dict) -> list[str]:
    return [row["method"] for row in data["rows"]]


def test_an_unchanged_board_is_read_without_a_query(anonymous, alice, scored):
    scored(alice, "m1", 0.7, 0.7)
    first, queries = _board(anonymous)
    assert _methods(first) == ["m1"] and queries > 0
    again, queries = _board(anonymous)
    assert again == first and queries == 0


def test_a_job_completed_by_the_runner_is_on_the_next_read(anonymous, alice, scored, tmp_path):
    scored(alice, "m1", 0.7, 0.7)
    waiting = scored(alice, "m2", 0.9, 0.9, status="running")
    assert _methods(_board(anonymous)[0]) == ["m1"]
    # The runner's way: a conditional update (no model signal), then job_completed.
    Job.objects.filter(pk=waiting.pk).update(status=JobStatus.COMPLETED, finished_at=timezone.now())
    waiting.refresh_from_db()
    job_completed.send_robust(sender=Job, job=waiting, output_dir=tmp_path)  # as jobs.runner sends it
    assert _methods(_board(anonymous)[0]) == ["m2", "m1"]


def test_a_phase_saved_in_admin_is_on_the_next_read(make_phase, anonymous, alice, scored):
    phase = make_phase()
    scored(alice, "m1", 0.7, 0.7)
    assert _board(anonymous)[0]["board_hidden"] is False
    phase.board_visible = False
    phase.save()
    data = _board(anonymous)[0]
    assert data["board_hidden"] is True and data["rows"] == []


def test_the_phase_end_shows_a_hidden_board_without_waiting_for_the_cache(make_phase, anonymous, alice, scored):
    phase = make_phase(board_visible=False, ends_in=timedelta(minutes=2))
    scored(alice, "m1", 0.7, 0.7)
    assert _board(anonymous)[0]["board_hidden"] is True
    # Well inside LB_BOARD_CACHE_S: only the boundary can make the cached board stale.
    with time_machine.travel(phase.ends_at + timedelta(seconds=1), tick=False):
        data = _board(anonymous)[0]
    assert data["board_hidden"] is False and _methods(data) == ["m1"]


def test_the_phase_clock_is_fresh_on_a_cached_read(make_phase, anonymous, alice, scored):
    make_phase(ends_in=timedelta(hours=1))
    scored(alice, "m1", 0.7, 0.7)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        before = _board(anonymous)[0]["phase"]["seconds_left"]
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        data, queries = _board(anonymous)
    assert queries == 0 and data["phase"]["seconds_left"] == before - 30


def test_with_the_cache_off_every_read_computes(anonymous, alice, scored, settings):
    settings.LB_BOARD_CACHE_S = 0
    scored(alice, "m1", 0.7, 0.7)
    _board(anonymous)
    assert _board(anonymous)[1] > 0


def test_an_unknown_benchmark_is_a_404_and_no_cache_key(anonymous):
    from django.core.cache import cache

    from leaderboard.board_cache import _version_key

    response = anonymous.get("/api/leaderboard", {"benchmark": "no-such-board"})
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert cache.get(_version_key("no-such-board")) is None
