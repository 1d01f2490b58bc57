"""Ranking rules as plain functions."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from leaderboard.ranking import Candidate, best_per_entry, rank

T0 = datetime(2026, 1, 1)


def c(entry, value, minutes=0):
    return Candidate(entry=entry, value=value, submitted_at=T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize("higher", [True, False])
@pytest.mark.parametrize("bad", [None, math.nan, math.inf, -math.inf, "n/a"])
def test_missing_nan_and_inf_rank_last_in_both_directions(higher, bad):
    ranked = rank([c("bad", bad, 0), c("a", 0.5, 1), c("b", 0.9, 2)], higher)
    assert [cand.entry for _, cand in ranked][-1] == "bad"
    assert ranked[-1][0] == 3


def test_direction():
    assert [x.entry for _, x in rank([c("a", 0.2), c("b", 0.9)], True)] == ["b", "a"]
    assert [x.entry for _, x in rank([c("a", 0.2), c("b", 0.9)], False)] == ["a", "b"]


def test_ties_share_a_rank_and_earlier_submission_comes_first():
    ranked = rank([c("late", 0.8, 5), c("early", 0.8, 1), c("top", 0.9, 9), c("low", 0.1)], True)
    assert [(r, x.entry) for r, x in ranked] == [(1, "top"), (2, "early"), (2, "late"), (4, "low")]


def test_best_job_per_entry():
    best = best_per_entry([c("a", 0.5), c("a", 0.7, 1), c("a", math.nan, 2), c("b", 0.6)], True)
    assert {x.entry: x.value for x in best} == {"a": 0.7, "b": 0.6}
