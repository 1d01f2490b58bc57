"""The board's CSV (a DRF renderer equal to the JSON, safe in spreadsheets) and the page's phase header."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import time_machine

from leaderboard.api.renderers import cell


def board(client, **params):
    return client.get("/api/leaderboard", {"benchmark": "toy", **params})


def test_formula_method_name_comes_out_neutralised(anonymous, alice, scored):
    scored(alice, '=HYPERLINK("http://x","y")', 0.9, 0.9)
    scored(alice, "+cmd", 0.8, 0.8)
    scored(alice, "@SUM(A1)", 0.7, 0.7)
    response = board(anonymous, format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="toy-leaderboard.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["method"] for row in rows] == ['\'=HYPERLINK("http://x","y")', "'+cmd", "'@SUM(A1)"]
    assert all(not row[key].startswith(("=", "+", "-", "@")) for row in rows for key in row)
    # The JSON keeps the name as typed; only the spreadsheet rendering is defused.
    assert board(anonymous).json()["rows"][0]["method"] == '=HYPERLINK("http://x","y")'


def test_cells_neutralise_text_but_keep_numbers():
    assert [cell(v) for v in ("-2+3", "\tx", "\rx", "plain", -0.5, 3, None, True)] == [
        "'-2+3",
        "'\tx",
        "'\rx",
        "plain",
        "-0.5",
        "3",
        "",
        "true",
    ]


def test_csv_errors_are_json(anonymous, db):
    response = board(anonymous, benchmark="nope", format="csv")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_page_shows_phase_countdown_and_rule(make_phase, client, alice, scored):
    phase = make_phase(name="Final round", starts_in=timedelta(hours=-1), ends_in=timedelta(days=2, hours=3))
    scored(alice, "m", 0.5, 0.5)
    with time_machine.travel(phase.ends_at - timedelta(days=2, hours=3, seconds=1), tick=False):
        html = client.get("/leaderboard/toy/").content.decode()
    assert "Phase: Final round" in html and "running" in html
    assert f'data-countdown datetime="{phase.ends_at.isoformat()}">2 d 03:00:01</time>' in html
    assert "if you mark none, your best public entry is used" in html
    assert "countdown.js" in html
    with time_machine.travel(phase.starts_at - timedelta(minutes=5), tick=False):
        html = client.get("/leaderboard/toy/").content.decode()
    assert "upcoming" in html and ">00:05:00</time>" in html


def test_board_hidden_while_the_phase_runs_when_set(make_phase, anonymous, client, alice, scored):
    phase = make_phase(board_visible=False)
    scored(alice, "secret-sauce", 0.5, 0.5)
    data = board(anonymous).json()
    assert data["board_hidden"] is True and data["rows"] == []
    assert "secret-sauce" not in board(anonymous, format="csv").content.decode()
    assert "secret-sauce" not in client.get("/leaderboard/toy/").content.decode()
    with time_machine.travel(phase.ends_at, tick=False):
        assert [r["method"] for r in board(anonymous).json()["rows"]] == ["secret-sauce"]


def test_earlier_phase_board_by_id(make_phase, anonymous, alice, scored):
    from django.utils import timezone

    from jobs.models import Job

    old = make_phase(name="Dev", starts_in=timedelta(days=-10), ends_in=timedelta(days=-5), ranks_on="public")
    make_phase(name="Test", starts_in=timedelta(days=-1), ends_in=timedelta(days=5))
    dev_job = scored(alice, "dev-era", 0.5, 0.5)
    Job.objects.filter(pk=dev_job.pk).update(created_at=timezone.now() - timedelta(days=7))
    scored(alice, "test-era", 0.6, 0.6)
    assert [r["method"] for r in board(anonymous).json()["rows"]] == ["test-era"]
    dev = board(anonymous, phase=old.pk).json()
    assert dev["phase"]["name"] == "Dev" and [r["method"] for r in dev["rows"]] == ["dev-era"]
    assert board(anonymous, phase=999999).status_code == 404
