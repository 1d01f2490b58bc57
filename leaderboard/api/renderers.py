"""The board as CSV: the JSON board's rows and columns, flattened, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from rest_framework.renderers import BaseRenderer

from leaderboard import units

# OWASP "CSV injection": a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NESTED = ("metrics", "ci", "public_metrics", "card", "seeds", "compute", "reproduction")
# Of the method card, the CSV carries only the URLs: a free-text description has no place in a cell.
_CARD_COLUMNS = ("paper_url", "code_url")
# Issue 34's nested parts, flattened to these columns (units in the names).
_TRUST = ("seeds_k", "seed_mean", "seed_sd", "gpu_s", "cpu_s", "peak_vram_mb", "reproduction")


def cell(value) -> str:
    """One CSV cell. Text that a spreadsheet would run as a formula gets a leading single quote;
    numbers are ours (never user text) and stay as they are, negative ones included."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def board_columns(board: dict) -> list[str]:
    rows = board.get("rows") or []
    base = [key for key in (rows[0] if rows else _EMPTY_ROW) if key not in _NESTED]
    names = list(board.get("metrics") or [])
    revealed = bool(rows) and "public_metrics" in rows[0]
    return (
        base
        + list(_CARD_COLUMNS)
        + ["ci_low", "ci_high"]
        + names
        + ([f"public_{name}" for name in names] if revealed else [])
        + list(_TRUST)
    )


_EMPTY_ROW = [
    "rank",
    "user",
    "method",
    "job",
    "entry",
    "metrics",
    "submitted_at",
    "mlflow_run_url",
    "baseline",
    "ci",
    "approx",
    "dataset_version",
    "stale_dataset",
]


def board_records(board: dict) -> list[dict]:
    records = []
    for row in board.get("rows") or []:
        record = {key: value for key, value in row.items() if key not in _NESTED}
        ci = row.get("ci") or [None, None]
        record.update({"ci_low": ci[0], "ci_high": ci[1]})
        card = row.get("card") or {}
        record.update({column: card.get(column, "") for column in _CARD_COLUMNS})
        record.update(row.get("metrics") or {})
        record.update({f"public_{k}": v for k, v in (row.get("public_metrics") or {}).items()})
        seeds, compute = row.get("seeds") or {}, row.get("compute") or {}
        record.update({"seeds_k": seeds.get("k"), "seed_mean": seeds.get("mean"), "seed_sd": seeds.get("sd")})
        record.update({cost: (compute.get(cost) or {}).get("value") for cost in ("gpu_s", "cpu_s", "peak_vram_mb")})
        record["reproduction"] = (row.get("reproduction") or {}).get("state")
        records.append(record)
    return records


def column_metrics(board: dict, columns: list[str]) -> dict:
    """Which metric each metric column prints: its own, ``public_<name>``'s, the primary's for the interval."""
    metrics = units.metrics_of(board)
    found = {}
    for column in columns:
        name = column.removeprefix("public_")
        if name in metrics:
            found[column] = metrics[name]
        elif column in ("ci_low", "ci_high") and board.get("primary_metric") in metrics:
            found[column] = metrics[board["primary_metric"]]
    return found


class BoardCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        columns = board_columns(data)
        # Metric columns carry their unit in the header and their value in it, at the declared precision.
        units_of = column_metrics(data, columns)
        writer.writerow([units.csv_heading(units_of.get(column), column) for column in columns])
        for record in board_records(data):
            writer.writerow([cell(units.csv_value(units_of.get(column), record.get(column))) for column in columns])
        return buffer.getvalue().encode(self.charset)
