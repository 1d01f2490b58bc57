"""What every `lb` command shares: the one typer app, the consoles, the API client and the one-line
error. The commands live in main.py and lb_cli/commands_*.py, all registered on this app."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from lb_cli import config
from lb_cli.client import Api, ApiError

app = typer.Typer(
    help="Submit to a leaders-board, follow jobs, read boards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
TERMINAL = {"completed", "failed", "cancelled"}
ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")


def _api() -> Api:
    settings = config.load()
    return Api(settings.url, settings.token)


def _fail(exc: ApiError) -> None:
    err.print(f"error: {exc.code}: {exc.detail}", markup=False)
    raise typer.Exit(2)


def _run(action):
    try:
        return action()
    except ApiError as exc:
        _fail(exc)


def _score_line(results: dict) -> str:
    primary = results.get("primary_metric") or next(iter(results["metrics"]), "")
    value = results["metrics"].get(primary)
    line = f"{primary} = {value:.4f}" if isinstance(value, (int, float)) else f"{primary} = {value}"
    if results.get("primary_ci"):
        low, high = results["primary_ci"]
        line += f"  (95% interval {low:.4f} – {high:.4f})"
    return line


def _team_id(api: Api, team: str) -> int:
    """A team of yours by id or by name (names are unique, compared without case)."""
    teams = _run(lambda: api.get("/api/teams"))["results"]
    found = next((t for t in teams if str(t["id"]) == team or t["name"].lower() == team.lower()), None)
    if found is None:
        names = ", ".join(t["name"] for t in teams) or "none"
        _fail(ApiError("not_in_team", f"You are in no team {team!r} (yours: {names})."))
    return found["id"]


def _read_description(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(ApiError("bad_description", f"{path}: {exc}"))
