"""Score against cost: the Pareto front of a board and its server-rendered SVG (no JavaScript).

A line is on the front when no other line is at least as good on both axes and better on one: cost
lower is better, the primary metric in the benchmark's direction. The SVG is plain text built here;
every name in it comes from users, so each is escaped (``html.escape``) before it is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from leaderboard import board_extras, ranking

WIDTH, HEIGHT, MARGIN = 720, 440, 64


@dataclass(frozen=True)
class Point:
    label: str  # "method by user"
    cost: float
    score: float
    href: str  # the entry's page


def _dominates(a: Point, b: Point, higher_is_better: bool) -> bool:
    better_score = a.score > b.score if higher_is_better else a.score < b.score
    as_good_score = a.score >= b.score if higher_is_better else a.score <= b.score
    return a.cost <= b.cost and as_good_score and (a.cost < b.cost or better_score)


def front(points: list[Point], higher_is_better: bool) -> list[int]:
    """Indices of the points no other point dominates, by increasing cost."""
    on = [i for i, p in enumerate(points) if not any(_dominates(q, p, higher_is_better) for q in points if q is not p)]
    return sorted(on, key=lambda i: (points[i].cost, points[i].score))


def points_of(rows, metric: str, cost: str) -> list[Point]:
    """The board lines that have both a finite score and a measured ``cost``."""
    points = []
    for row in rows:
        score = row.metrics.get(metric)
        value = (row.compute or {}).get(cost, {}).get("value")
        if row.entry is None or not ranking.finite(score) or not ranking.finite(value):
            continue
        points.append(Point(f"{row.method} by {row.user}", float(value), float(score), f"/entries/{row.entry}/"))
    return points


def _scale(values: list[float], low_px: float, high_px: float):
    low, high = min(values), max(values)
    if math.isclose(low, high):
        low, high = low - 1.0, high + 1.0
    return lambda v: low_px + (v - low) / (high - low) * (high_px - low_px)


def svg(points: list[Point], on_front: list[int], *, metric: str, cost: str) -> str:
    """The plot: every point a link to its entry; front points filled and joined by a step line."""
    name, unit = board_extras.COSTS[cost]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(metric)} against {escape(name)}" id="pareto-svg">',
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#444"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#444"/>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 16}" text-anchor="middle">{escape(name)} ({escape(unit)})</text>',
        f'<text x="16" y="{HEIGHT / 2}" transform="rotate(-90 16 {HEIGHT / 2})" text-anchor="middle">'
        f"{escape(metric)}</text>",
    ]
    if points:
        x = _scale([p.cost for p in points], MARGIN, WIDTH - MARGIN)
        y = _scale([p.score for p in points], HEIGHT - MARGIN, MARGIN)
        for value, anchor in ((min(p.cost for p in points), "start"), (max(p.cost for p in points), "end")):
            parts.append(
                f'<text x="{x(value):.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="{anchor}">{value:.4g}</text>'
            )
        for value in (min(p.score for p in points), max(p.score for p in points)):
            parts.append(f'<text x="{MARGIN - 6}" y="{y(value):.1f}" text-anchor="end">{value:.4g}</text>')
        if len(on_front) > 1:
            path = " ".join(f"{x(points[i].cost):.1f},{y(points[i].score):.1f}" for i in on_front)
            parts.append(f'<polyline class="front-line" points="{path}" fill="none" stroke="#16a34a"/>')
        marked = set(on_front)
        for i, p in enumerate(points):
            kind = "front" if i in marked else "dominated"
            fill = "#16a34a" if i in marked else "#fff"
            parts.append(
                f'<a href="{escape(p.href)}" class="point {kind}"><circle cx="{x(p.cost):.1f}" cy="{y(p.score):.1f}" '
                f'r="6" fill="{fill}" stroke="#16a34a"><title>{escape(p.label)}: {p.score:.4g} at {p.cost:.4g} '
                f"{escape(unit)}</title></circle></a>"
            )
    parts.append("</svg>")
    return "\n".join(parts)
