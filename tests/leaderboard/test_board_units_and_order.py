"""Any metric, formatted as it declares: units and precision on the page and in the CSV; ``?order=`` and the
page's column links sort by a metric in its direction (issue 31)."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from benchmarks import registry
from benchmarks.base import Metric
from jobs.models import Job
from leaderboard.services import entry_ensure
from submissions.models import Submission
from tests.support.toy import ToyBenchmark


class UnitsToy(ToyBenchmark):
    slug = "toy-units"
    metrics = (
        Metric("accuracy", True, "Accuracy", unit="%", precision=1),
        Metric("latency", False, "Time / item", ranked=False, unit="ms", precision=1),
        Metric("memory", False, "Peak memory", ranked=False, unit="MB", precision=0),
    )


@pytest.fixture
def units_board(db):
    registry.register(UnitsToy())
    yield "toy-units"
    registry.unregister("toy-units")


def scored(user, method, accuracy, latency, memory) -> Job:
    submission = Submission.objects.create(
        owner=user, benchmark="toy-units", method=method, sha256="0" * 64, size_bytes=1, archive="x.tar.gz"
    )
    job = Job.objects.create(
        submission=submission,
        owner=user,
        benchmark="toy-units",
        resource_class="small",
        status="completed",
        finished_at=timezone.now(),
        metrics={"accuracy": accuracy, "latency": latency, "memory": memory},
        private_metrics={"accuracy": accuracy, "latency": latency, "memory": memory},
    )
    entry_ensure(benchmark="toy-units", owner_id=user.pk, method=method)
    return job


@pytest.fixture
def three(units_board, alice, bob):
    scored(alice, "slow-best", 0.91234, 11.3702, 812.6)
    scored(bob, "fast-mid", 0.85, 2.04, None)
    scored(alice, "light-worst", 0.5, 40.0, 12.2)


def methods(rows) -> list[str]:
    return [row["method"] for row in rows]


def test_api_order_sorts_by_the_metric_in_its_direction_and_keeps_ranks(anonymous, three):
    plain = anonymous.get("/api/leaderboard", {"benchmark": "toy-units"}).json()
    assert methods(plain["rows"]) == ["slow-best", "fast-mid", "light-worst"]
    by_latency = anonymous.get("/api/leaderboard", {"benchmark": "toy-units", "order": "latency"}).json()
    assert methods(by_latency["rows"]) == ["fast-mid", "slow-best", "light-worst"]  # lower is better: fastest first
    assert [row["rank"] for row in by_latency["rows"]] == [2, 1, 3]  # the board's rank stays the primary's
    assert by_latency["order"] == "latency"
    by_memory = anonymous.get("/api/leaderboard", {"benchmark": "toy-units", "order": "memory"}).json()
    assert methods(by_memory["rows"]) == ["light-worst", "slow-best", "fast-mid"]  # missing value last


def test_unknown_order_is_a_400_with_the_error_shape(anonymous, three):
    response = anonymous.get("/api/leaderboard", {"benchmark": "toy-units", "order": "nope"})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_order"


def test_json_declares_units_and_precision(anonymous, three):
    info = anonymous.get("/api/leaderboard", {"benchmark": "toy-units"}).json()["metric_info"]
    assert [(i["name"], i["unit"], i["scale"], i["precision"]) for i in info] == [
        ("accuracy", "%", 100.0, 1),
        ("latency", "ms", 1.0, 1),
        ("memory", "MB", 1.0, 0),
    ]


def test_csv_headers_carry_units_and_values_their_precision(anonymous, three):
    response = anonymous.get("/api/leaderboard", {"benchmark": "toy-units", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {"accuracy (%)", "latency (ms)", "memory (MB)", "ci_low (%)", "ci_high (%)"} <= set(rows[0])
    assert (rows[0]["accuracy (%)"], rows[0]["latency (ms)"], rows[0]["memory (MB)"]) == ("91.2", "11.4", "813")
    assert rows[1]["memory (MB)"] == ""  # missing stays empty
    ordered = anonymous.get("/api/leaderboard", {"benchmark": "toy-units", "format": "csv", "order": "latency"})
    assert [r["method"] for r in csv.DictReader(io.StringIO(ordered.content.decode()))] == methods(
        anonymous.get("/api/leaderboard", {"benchmark": "toy-units", "order": "latency"}).json()["rows"]
    )


def test_page_prints_units_and_precision_and_sorts_on_a_heading_link(anonymous, three):
    page = anonymous.get("/leaderboard/toy-units/").content.decode()
    assert "Accuracy (%)" in page and "Time / item (ms)" in page and "Peak memory (MB)" in page
    assert ">91.2<" in page and ">11.4<" in page and ">813<" in page
    assert "0.9123" not in page and "11.3702" not in page  # no four-decimal raw numbers
    assert 'href="?order=latency"' in page
    sorted_page = anonymous.get("/leaderboard/toy-units/", {"order": "latency"}).content.decode()
    assert sorted_page.index("fast-mid") < sorted_page.index("slow-best") < sorted_page.index("light-worst")
    assert anonymous.get("/leaderboard/toy-units/", {"order": "nope"}).status_code == 200  # ignored on the page
