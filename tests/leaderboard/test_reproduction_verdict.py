"""The verdict on a re-run, for crafted numbers: inside the original's interval is reproduced, outside is not,
without an interval only the same number is, a renewed hidden set is not comparable, a running one waits."""

from __future__ import annotations

import pytest

from jobs.models import Job
from leaderboard.reproduction import platform_user, verdict


@pytest.fixture
def original(alice, scored):
    return scored(
        alice, "m", 0.80, 0.80, primary_ci_low=0.70, primary_ci_high=0.90, reproducibility={"dataset_version": "d1"}
    )


def _rerun(original, score, *, status="completed", data="d1") -> Job:
    return Job.objects.create(
        submission=original.submission,
        owner=platform_user(),
        benchmark="toy",
        resource_class="small",
        status=status,
        metrics={"accuracy": score} if score is not None else {},
        reproduces=original,
        reproducibility={"dataset_version": data},
    )


@pytest.mark.parametrize(
    ("score", "state"),
    [
        (0.80, "reproduced"),
        (0.70, "reproduced"),
        (0.90, "reproduced"),
        (0.69, "not_reproduced"),
        (None, "not_reproduced"),
    ],
)
def test_inside_the_interval_is_reproduced(original, score, state):
    _rerun(original, score)
    assert verdict(original)["state"] == state


def test_without_an_interval_only_the_same_number_reproduces(alice, scored):
    bare = scored(alice, "bare", 0.5, 0.5)
    _rerun(bare, 0.5)
    assert verdict(bare)["state"] == "reproduced"
    _rerun(bare, 0.51)  # the newest re-run decides
    assert verdict(bare)["state"] == "not_reproduced"


def test_other_data_and_pending(original):
    assert verdict(original) is None
    _rerun(original, None, status="running")
    assert verdict(original)["state"] == "running" and verdict(original)["rerun_score"] is None
    _rerun(original, 0.2, data="d2")
    assert verdict(original)["state"] == "other_data"
