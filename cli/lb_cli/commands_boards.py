"""`lb` commands that read boards: one board, and several jobs side by side."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from lb_cli.common import _api, _run, app, out


def _metric_format(info: dict):
    """Print a stored value as the board page does: in the metric's unit, at its precision."""
    scale, digits = float(info.get("scale", 1.0)), int(info.get("precision", 4))

    def show(value) -> str:
        return f"{value * scale:.{digits}f}" if isinstance(value, (int, float)) else "—"

    return show


def _heading(info: dict) -> str:
    label = info.get("label") or info["name"]
    return f"{label} ({info['unit']})" if info.get("unit") else label


@app.command()
def board(
    slug: str,
    csv: bool = typer.Option(False, "--csv", help="The board as CSV, as the API serves it."),
    order: str | None = typer.Option(None, "--order", help="Sort by this metric, in its direction."),
):
    """A benchmark's leaderboard: every metric in its unit and precision."""
    api = _api()
    params = {"benchmark": slug, **({"order": order} if order else {})}
    if csv:
        sys.stdout.write(_run(lambda: api.request("GET", "/api/leaderboard", params={**params, "format": "csv"}).text))
        return
    data = _run(lambda: api.get("/api/leaderboard", params=params))
    primary = data.get("primary_metric")
    infos = data.get("metric_info") or [{"name": name} for name in data.get("metrics") or [primary]]
    primary_info = next((i for i in infos if i["name"] == primary), {"name": primary})
    ci_unit = f" ({primary_info['unit']})" if primary_info.get("unit") else ""
    table = Table("rank", "user", "method", *(_heading(i) for i in infos), f"95% interval{ci_unit}", box=None)
    show_ci = _metric_format(primary_info)
    for row in data["rows"]:
        ci = row.get("ci") or [None, None]
        approx = "≈" if row.get("approx") else ""
        table.add_row(
            approx + str(row["rank"]),
            row["user"],
            row["method"],
            *(_metric_format(i)(row["metrics"].get(i["name"])) for i in infos),
            f"{show_ci(ci[0])} – {show_ci(ci[1])}" if ci[0] is not None else "—",
        )
    out.print(table)


def _compare_rows(part: dict, infos: dict, primary: str) -> Table:
    table = Table("metric", "a", "b", "a − b", "95% interval (paired)", "a better in", box=None)
    for row in part["metrics"] + [
        {**s, "metric": primary, "slice": f"{s['group']}: {s['name']}"} for s in part["slices"]
    ]:
        info = infos.get(row["metric"], {"name": row["metric"]})
        show = _metric_format(info)
        ci = row.get("ci")
        share = row.get("a_better_share")
        table.add_row(
            row.get("slice") or _heading(info),
            show(row.get("a")),
            show(row.get("b")),
            show(row.get("difference")),
            f"{show(ci[0])} – {show(ci[1])}{'' if row.get('differs') else '  ≈'}" if ci else "—",
            f"{100 * share:.0f}%" if isinstance(share, (int, float)) else "—",
        )
    return table


@app.command()
def compare(
    a: str = typer.Argument(..., help="A completed job."),
    b: str = typer.Argument(..., help="Another completed job of the same benchmark."),
    as_json: bool = typer.Option(False, "--json", help="The API's JSON, unchanged."),
):
    """Two jobs side by side: paired bootstrap difference per metric and slice, config and file differences."""
    data = _run(lambda: _api().get("/api/compare", params={"a": a, "b": b}))
    if as_json:
        out.print_json(json.dumps(data))
        return
    infos = {info["name"]: info for info in data.get("metric_info") or []}
    for side in ("a", "b"):
        who = data[side]
        out.print(f"{side}: {who['method']} by {who['user']}  job {who['job']}", markup=False)
    for part in ("public", "private"):
        if data.get(part) is None:
            out.print(f"{part} part: not shown (published by the reveal)", markup=False)
            continue
        out.print(f"{part} part:", markup=False)
        out.print(_compare_rows(data[part], infos, data["primary_metric"]))
    out.print("config diff:" if data["config"] else "config: same", markup=False)
    for row in data["config"]:
        out.print(f"  {row['key']}: {row['a']!r} → {row['b']!r}", markup=False)
    manifest = data["manifest"]
    for kind in ("added", "removed"):
        for entry in manifest[kind]:
            out.print(f"  {kind} {entry['path']}", markup=False)
    for entry in manifest["changed"]:
        hashes = f"  {entry['a_sha256'][:12]} → {entry['b_sha256'][:12]}" if "a_sha256" in entry else ""
        out.print(f"  changed {entry['path']}{hashes}", markup=False)
    out.print(f"  {manifest['unchanged']} files unchanged", markup=False)


if __name__ == "__main__":
    app()
