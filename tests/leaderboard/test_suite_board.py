"""The suite board (issue 31): methods with an entry on every member, ranked by the mean primary metric with a
two-level bootstrap interval, each member's score in its own column; methods missing a member listed apart;
page, JSON and CSV agree; a hidden member board hides the suite."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from phases.models import Phase
from tests.support import sliced_toy

MEMBERS = ("trio-a", "trio-b", "trio-c")


def items(right: int, n: int = 40) -> list[float]:
    return [1.0] * right + [0.0] * (n - right)


@pytest.fixture
def trio(db, alice, bob):
    sliced_toy.register(*(sliced_toy.member(slug, "trio") for slug in MEMBERS))
    for slug, (sharp, blunt) in zip(MEMBERS, ((38, 20), (36, 22), (39, 18))):
        sliced_toy.sliced_job(alice, "sharp", items(sharp), items(sharp), slug=slug)
        sliced_toy.sliced_job(bob, "blunt", items(blunt), items(blunt), slug=slug)
    sliced_toy.sliced_job(bob, "partial", items(40), items(40), slug="trio-a")  # one member only
    yield
    sliced_toy.unregister(*MEMBERS)


def test_ranks_complete_methods_by_the_mean_with_an_interval_and_each_member(anonymous, trio):
    data = anonymous.get("/api/suites/trio").json()
    assert data["members"] == list(MEMBERS) and data["ranked_on"] == "public"
    assert [(r["rank"], r["user"], r["method"]) for r in data["rows"]] == [(1, "alice", "sharp"), (2, "bob", "blunt")]
    sharp = data["rows"][0]
    assert sharp["mean"] == pytest.approx((38 + 36 + 39) / 120)
    assert {slug: m["value"] for slug, m in sharp["members"].items()} == {
        "trio-a": 38 / 40,
        "trio-b": 36 / 40,
        "trio-c": 39 / 40,
    }
    low, high = sharp["ci"]
    assert low < sharp["mean"] < high and high <= 1.0
    assert data["rows"][1]["approx"] is False  # 94% against 50%: apart
    assert data["missing"] == [{"user": "bob", "method": "partial", "lacks": ["trio-b", "trio-c"], "has": ["trio-a"]}]


def test_csv_agrees_with_the_json(anonymous, trio):
    data = anonymous.get("/api/suites/trio").json()
    response = anonymous.get("/api/suites/trio", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["rank"], r["user"], r["method"]) for r in rows] == [
        (str(r["rank"]), r["user"], r["method"]) for r in data["rows"]
    ]
    for json_row, csv_row in zip(data["rows"], rows):
        assert float(csv_row["mean (%)"]) == pytest.approx(100 * json_row["mean"], abs=0.05)
        assert float(csv_row["ci_low (%)"]) == pytest.approx(100 * json_row["ci"][0], abs=0.05)
        for slug in MEMBERS:
            assert float(csv_row[f"{slug} (%)"]) == pytest.approx(100 * json_row["members"][slug]["value"], abs=0.05)


def test_page_shows_the_ranking_members_and_the_missing(anonymous, trio):
    page = anonymous.get("/suites/trio/").content.decode()
    assert 'id="suite-board"' in page and page.index("sharp") < page.index("blunt")
    assert ">94.2<" in page  # (38+36+39)/120 in the primary's unit and precision
    assert "partial" in page and "lacks trio-b, trio-c" in page


def test_a_hidden_member_board_hides_the_suite(anonymous, trio):
    now = timezone.now()
    Phase.objects.create(
        benchmark="trio-b",
        name="hidden",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        board_visible=False,
    )
    data = anonymous.get("/api/suites/trio").json()
    assert data["board_hidden"] is True and data["rows"] == [] and data["missing"] == []
    assert "sharp" not in anonymous.get("/suites/trio/").content.decode()


def test_index_and_member_boards_link_the_suite(anonymous, trio):
    assert 'href="/suites/trio/"' in anonymous.get("/").content.decode()
    assert 'id="suite-link"' in anonymous.get("/leaderboard/trio-a/").content.decode()


def test_unknown_suite_is_404(anonymous, db):
    assert anonymous.get("/api/suites/nope").status_code == 404
    assert anonymous.get("/suites/nope/").status_code == 404
