"""Metric units and precision, and ordering a board by any metric.

Each benchmark metric declares its unit and precision (:class:`benchmarks.base.Metric`); the board page,
the CSV and ``lb board`` print with them. Stored and JSON values stay as the scorer wrote them (fractions
for percentages); the JSON carries ``metric_info`` so a client can print them as the page does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from benchmarks.base import Benchmark, Metric
from core.errors import InvalidInput
from leaderboard import ranking


def metric_info(benchmark: Benchmark) -> list[dict]:
    return [metric.describe() for metric in benchmark.metrics]


def _info_metric(info: dict) -> Metric:
    return Metric(
        info["name"],
        bool(info.get("higher_is_better", True)),
        info.get("label", ""),
        unit=info.get("unit", ""),
        precision=int(info.get("precision", 4)),
    )


def metrics_of(board: dict) -> dict[str, Metric]:
    """The board JSON's metrics as :class:`Metric` (name -> metric); plain ones for an old cached board."""
    infos = board.get("metric_info") or [{"name": name} for name in board.get("metrics") or []]
    return {info["name"]: _info_metric(info) for info in infos}


def csv_heading(metric: Metric | None, column: str) -> str:
    """A CSV column name with its unit: ``image_auc (%)``; columns without a unit keep their name."""
    return f"{column} ({metric.unit})" if metric is not None and metric.unit else column


def csv_value(metric: Metric | None, value: Any) -> Any:
    """A metric cell in its unit, rounded to its precision (what the page shows); None stays None."""
    if metric is None:
        return value
    scaled = metric.scaled(value)
    if scaled is None:
        return None
    return round(scaled, metric.precision) if metric.precision > 0 else int(round(scaled))


def _value(row: Any, name: str) -> Any:
    metrics = row.get("metrics") if isinstance(row, dict) else row.metrics
    return (metrics or {}).get(name)


def order_rows(rows: Sequence[Any], metrics: Iterable[Metric], order: str | None) -> list[Any]:
    """``rows`` (board dicts or ``BoardRow``) sorted by metric ``order`` in that metric's direction; missing
    values last; equal values keep the board's order (its rank). ``None``/``""``: the board's own order."""
    rows = list(rows)
    if not order:
        return rows
    by_name = {metric.name: metric for metric in metrics}
    metric = by_name.get(order)
    if metric is None:
        raise InvalidInput(
            f"order must be one of the benchmark's metrics: {', '.join(sorted(by_name))}.", code="bad_order"
        )

    def key(pair: tuple[int, Any]) -> tuple:
        position, row = pair
        value = _value(row, metric.name)
        if not ranking.finite(value):
            return (1, 0.0, position)
        return (0, -float(value) if metric.higher_is_better else float(value), position)

    return [row for _, row in sorted(enumerate(rows), key=key)]
