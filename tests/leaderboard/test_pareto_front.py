"""The Pareto page marks exactly the undominated lines of a crafted board, each point linking to its entry;
``?max_gpu_s=`` keeps only the runs under the budget."""

from __future__ import annotations

import re

import pytest

from leaderboard.pareto import Point, front
from tests.leaderboard.conftest import entry_of

# method: (GPU-seconds, public accuracy). Front: cheap-weak, mid, best; "wasteful" loses to best on both
# axes, "same-cost-worse" loses to mid at the same cost.
CRAFTED = {
    "cheap-weak": (1.0, 0.5),
    "mid": (5.0, 0.8),
    "same-cost-worse": (5.0, 0.7),
    "best": (10.0, 0.9),
    "wasteful": (20.0, 0.85),
}


@pytest.fixture
def crafted(alice, scored):
    return {method: scored(alice, method, acc, acc, gpu_s=gpu) for method, (gpu, acc) in CRAFTED.items()}


def _points(svg: str, kind: str) -> set[str]:
    return set(re.findall(rf'<a href="(/entries/\d+/)" class="point {kind}">', svg))


def test_the_svg_marks_the_front_and_links_each_point(anonymous, crafted):
    response = anonymous.get("/leaderboard/toy/pareto", {"cost": "gpu_s"})
    assert response.status_code == 200
    page = response.content.decode()
    href = {method: f"/entries/{entry_of(job).pk}/" for method, job in crafted.items()}
    assert _points(page, "front") == {href["cheap-weak"], href["mid"], href["best"]}
    assert _points(page, "dominated") == {href["same-cost-worse"], href["wasteful"]}
    assert "GPU time (GPU-s)" in page


def test_equal_points_do_not_dominate_each_other():
    twins = [Point("a", 1.0, 0.5, "/a"), Point("b", 1.0, 0.5, "/b"), Point("c", 2.0, 0.5, "/c")]
    assert front(twins, higher_is_better=True) == [0, 1]
    assert front(twins, higher_is_better=False) == [0, 1]  # lower is better: c costs more for the same


def test_a_lower_is_better_metric_flips_the_score_axis():
    points = [Point("a", 1.0, 0.5, "/a"), Point("b", 2.0, 0.2, "/b"), Point("c", 3.0, 0.4, "/c")]
    assert front(points, higher_is_better=False) == [0, 1]


def test_max_gpu_s_filters_the_board(anonymous, crafted):
    rows = anonymous.get("/api/leaderboard", {"benchmark": "toy", "max_gpu_s": "5"}).json()["rows"]
    assert {row["method"] for row in rows} == {"cheap-weak", "mid", "same-cost-worse"}
    assert all(row["compute"]["gpu_s"]["unit"] == "GPU-s" and row["compute"]["gpu_s"]["value"] <= 5 for row in rows)
    page = anonymous.get("/leaderboard/toy/", {"max_gpu_s": "5"}).content.decode()
    assert ">wasteful</a>" not in page and ">best</a>" not in page and ">mid</a>" in page
    assert anonymous.get("/api/leaderboard", {"benchmark": "toy", "max_gpu_s": "lots"}).status_code == 400


def test_user_names_in_the_svg_are_escaped(anonymous, bob, scored):
    scored(bob, "<script>x</script>", 0.6, 0.6, gpu_s=3.0)
    page = anonymous.get("/leaderboard/toy/pareto", {"cost": "gpu_s"}).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_the_default_cost_is_gpu_time_where_a_line_used_a_gpu_else_cpu_time(anonymous, alice, scored):
    scored(alice, "cpu-only", 0.6, 0.6, cpu_s=12.0)
    assert 'value="cpu_s" selected' in anonymous.get("/leaderboard/toy/pareto").content.decode()
    scored(alice, "gpu", 0.7, 0.7, gpu_s=3.0)
    assert 'value="gpu_s" selected' in anonymous.get("/leaderboard/toy/pareto").content.decode()
