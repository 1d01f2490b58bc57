"""Suite boards: one ranking of methods across the member benchmarks of a suite (e.g. the anomaly categories).

* Members are the registered benchmarks with the same ``Benchmark.suite``.
* A method is an owner's method name; it is ranked when it has a line on every member's board (the member
  board's own rules decide which job that is: best public job, or after a reveal the final job), by the mean
  of the members' primary values. Methods missing from a member are listed apart, with the members they lack.
* The interval is a two-level bootstrap: each resample draws the members with replacement, then uses each
  member job's item-level resample (the same seeded resamples every job of a benchmark gets), and averages.
  The member draws are seeded too, so two methods' resamples are paired and "≈" means the same as on a
  member board: the 95% interval of the difference to the line above contains zero.
* What is shown is what the member boards show: a hidden member board hides the suite; the suite ranks on
  the private part only when every member board does (after their reveals), else on the public part.
"""

from __future__ import annotations

import math

import numpy as np
from django.core.cache import cache

from benchmarks import registry
from benchmarks.base import Benchmark
from core.errors import NotFound
from jobs.scoring import intervals
from leaderboard import board_cache, ranking

SUITE_SEED = 20261206


def suite_members(suite: str) -> list[Benchmark]:
    return [b for b in registry.all_benchmarks() if b.suite == suite]


def suite_names() -> list[str]:
    return sorted({b.suite for b in registry.all_benchmarks() if b.suite})


def _member_boards(members: list[Benchmark], part: str | None) -> list[dict]:
    boards = [board_cache.board_data(b.slug, part=part) for b in members]
    if part != "public" and any(board["ranked_on"] != "private" for board in boards):
        # Not every member is revealed: rank every member on the same (public) part.
        boards = [board_cache.board_data(b.slug, part="public") for b in members]
    return boards


def _best_lines(board: dict) -> dict[tuple[str, str], dict]:
    """The first (best ranked) line of each (user, method) on a member board."""
    lines: dict[tuple[str, str], dict] = {}
    for row in board["rows"]:
        lines.setdefault((row["user"], row["method"]), row)
    return lines


def _resamples(benchmark: Benchmark, job_id: str, part: str) -> np.ndarray | None:
    # The key the member boards' "≈" caches the same resamples under (leaderboard.selectors._resampled).
    key = f"lb:resampled:{job_id}:{part}:{intervals.N_RESAMPLES}"
    values = cache.get(key)
    if values is None:
        items = intervals.load_items(job_id, part)
        if items is None:
            return None
        values = intervals.resampled(benchmark, items)
        cache.set(key, values, timeout=24 * 3600)
    return values


def _two_level(per_member: list[np.ndarray | None], draws: np.ndarray) -> np.ndarray | None:
    """Mean over drawn members (rows of ``draws``) of each member's item resample ``b``."""
    if any(samples is None for samples in per_member):
        return None
    stacked = np.stack(per_member)  # (members, resamples)
    columns = np.arange(stacked.shape[1])
    return np.mean(stacked[draws, columns[:, None]], axis=1)


def suite_board(suite: str, *, part: str | None = None) -> dict:
    members = suite_members(suite)
    if not members:
        raise NotFound(f"Unknown suite {suite!r}.", code="unknown_suite")
    primary = members[0].primary_metric
    higher = members[0].higher_is_better
    boards = _member_boards(members, part)
    ranked_on = boards[0]["ranked_on"]
    result = {
        "suite": suite,
        "members": [b.slug for b in members],
        "primary_metric": primary,
        "higher_is_better": higher,
        "metric_info": [members[0].metric(primary).describe()],
        "ranked_on": ranked_on,
        "board_hidden": any(board["board_hidden"] for board in boards),
        "rows": [],
        "missing": [],
    }
    if result["board_hidden"]:
        return result
    lines = [_best_lines(board) for board in boards]
    methods = sorted(set().union(*lines))
    draws = np.random.default_rng([SUITE_SEED, len(members)]).integers(
        0, len(members), size=(intervals.N_RESAMPLES, len(members))
    )
    candidates = []
    for method in methods:
        lacking = [b.slug for b, found in zip(members, lines) if method not in found]
        if lacking:
            result["missing"].append(
                {"user": method[0], "method": method[1], "lacks": lacking, "has": _members_of(members, lines, method)}
            )
            continue
        rows = [found[method] for found in lines]
        values = [row["metrics"].get(primary) for row in rows]
        mean = float(np.mean(values)) if all(ranking.finite(v) for v in values) else None
        samples = _two_level([_resamples(b, row["job"], ranked_on) for b, row in zip(members, rows)], draws)
        candidates.append((method, rows, mean, samples))
    ranked = ranking.rank(
        [
            ranking.Candidate(entry=method, value=mean, submitted_at=min(r["submitted_at"] for r in rows), payload=i)
            for i, (method, rows, mean, _) in enumerate(candidates)
        ],
        higher,
    )
    previous = None
    for rank, candidate in ranked:
        method, rows, mean, samples = candidates[candidate.payload]
        ci = intervals.interval(samples) if samples is not None else (math.nan, math.nan)
        approx = previous is not None and samples is not None and not intervals.differs(previous, samples)
        previous = samples
        result["rows"].append(
            {
                "rank": rank,
                "user": method[0],
                "method": method[1],
                "mean": mean,
                "ci": [ci[0], ci[1]] if math.isfinite(ci[0]) else None,
                "approx": bool(approx),
                "members": {
                    b.slug: {"value": row["metrics"].get(primary), "job": row["job"], "entry": row["entry"]}
                    for b, row in zip(members, rows)
                },
            }
        )
    return result


def _members_of(members: list[Benchmark], lines: list[dict], method: tuple[str, str]) -> list[str]:
    return [b.slug for b, found in zip(members, lines) if method in found]
