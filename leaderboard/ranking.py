"""Ranking rules, as plain functions over plain values.

* Direction comes from the benchmark.
* A missing, NaN or infinite primary value ranks after every finite one, in
  either direction (never first), and reads "—".
* Ties share a rank (1, 1, 3); inside a tie the earlier submission is first.
* The board keeps the best job per (user, method).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    entry: Hashable  # one board line per entry: (user, method)
    value: float | None
    submitted_at: datetime
    payload: object = None


def finite(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def sort_key(candidate: Candidate, higher_is_better: bool) -> tuple:
    if not finite(candidate.value):
        return (1, 0.0, candidate.submitted_at)
    value = float(candidate.value)
    return (0, -value if higher_is_better else value, candidate.submitted_at)


def best_per_entry(candidates: Iterable[Candidate], higher_is_better: bool) -> list[Candidate]:
    best: dict[Hashable, Candidate] = {}
    for candidate in candidates:
        current = best.get(candidate.entry)
        if current is None or sort_key(candidate, higher_is_better) < sort_key(current, higher_is_better):
            best[candidate.entry] = candidate
    return list(best.values())


def rank(candidates: Sequence[Candidate], higher_is_better: bool) -> list[tuple[int, Candidate]]:
    """Sorted candidates with standard competition ranks (1, 1, 3)."""
    ordered = sorted(candidates, key=lambda c: sort_key(c, higher_is_better))
    ranked: list[tuple[int, Candidate]] = []
    for position, candidate in enumerate(ordered, start=1):
        if ranked and _tied(ranked[-1][1], candidate):
            ranked.append((ranked[-1][0], candidate))
        else:
            ranked.append((position, candidate))
    return ranked


def _tied(a: Candidate, b: Candidate) -> bool:
    if not finite(a.value) and not finite(b.value):
        return True
    return finite(a.value) and finite(b.value) and float(a.value) == float(b.value)
