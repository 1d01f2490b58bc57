"""The `lb` commands. Errors are one line on stderr, `error: CODE: detail`, exit status 2;
a job that ends other than completed exits 1."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from lb_cli import bundle, config
from lb_cli.client import Api, ApiError, ProgressReader
from lb_cli.common import (
    ARCHIVES,
    _api,
    _fail,
    _read_description,
    _run,
    _score_line,
    _team_id,
    app,
    err,
    out,
)


@app.command()
def login(
    url: str = typer.Option(..., help="The installation, e.g. https://leaders.example.org"),
    token: str | None = typer.Option(None, help="An API token (make one at URL/tokens/); asked for if omitted."),
):
    """Check a token against the server and keep it (in ~/.config/lb/config.json, mode 0600)."""
    token = token or typer.prompt("API token", hide_input=True)
    me = _run(lambda: Api(url.rstrip("/"), token).get("/api/me"))
    path = config.save(config.Config(url=url.rstrip("/"), token=token))
    out.print(f"Signed in to {url} as {me['username']} (saved to {path})", markup=False)


@app.command()
def submit(
    path: Path = typer.Argument(..., exists=True, help="A folder (zipped, .gitignore honoured) or an archive."),
    benchmark: str = typer.Option(..., "--benchmark", "-b"),
    method: str = typer.Option(..., "--method", "-m", help="The method's name on the board."),
    entrypoint: str = typer.Option("main.py"),
    config_file: str = typer.Option("config.yaml"),
    resource_class: str | None = typer.Option(None, "--resource-class", "-r"),
    wait: bool = typer.Option(False, "--wait", "-w", help="Follow the log; exit 0 only if the job completed."),
    description_file: Path | None = typer.Option(
        None, "--description-file", exists=True, dir_okay=False, help="The method card: a Markdown file."
    ),
    paper: str = typer.Option("", "--paper", help="The method card's paper URL (http or https)."),
    code: str = typer.Option("", "--code", help="The method card's code URL (http or https)."),
    team: str | None = typer.Option(None, "--team", "-t", help="Submit as this team of yours (its name or id)."),
    seeds: int = typer.Option(
        1, "--seeds", "-k", min=1, help="Train with k seeds (LB_TRAIN_SEED=0..k-1), one job each; prints mean ± sd."
    ),
):
    """Upload PATH and queue a job for it (or k, one per training seed)."""
    api = _api()
    team_id = _team_id(api, team) if team else None
    card = {"description": _read_description(description_file), "paper_url": paper, "code_url": code}
    archive = bundle.zip_folder(path) if path.is_dir() else path
    if archive.is_file() and not archive.name.endswith(ARCHIVES):
        _fail(ApiError("bad_archive", f"{archive.name}: expected a folder or {', '.join(ARCHIVES)}"))
    try:
        size = archive.stat().st_size
        with (
            open(archive, "rb") as handle,
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=err,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("uploading", total=size)
            reader = ProgressReader(handle, lambda n: progress.advance(task, n))
            submission = _run(
                lambda: api.post(
                    "/api/submissions",
                    data={
                        "benchmark": benchmark,
                        "method": method,
                        "entrypoint": entrypoint,
                        "config_file": config_file,
                        **{key: value for key, value in card.items() if value},
                        **({"team": str(team_id)} if team_id is not None else {}),
                    },
                    files={"archive": (archive.name if not path.is_dir() else f"{path.name}.zip", reader)},
                )
            )
    finally:
        if path.is_dir():
            archive.unlink(missing_ok=True)
    body = {"submission": submission["id"], "job_id": str(uuid.uuid4())}  # the job id is the idempotency key
    if resource_class:
        body["resource_class"] = resource_class
    if seeds > 1:
        _submit_seeds(api, body, seeds, wait)
        return
    job = _run(lambda: api.post("/api/jobs", json=body))
    out.print(
        f"job {job['id']} queued ({submission['size_bytes']} bytes, sha256 {submission['sha256'][:12]})", markup=False
    )
    if not wait:
        return
    status = _follow(api, job["id"])
    if status["status"] != "completed":
        err.print(f"job {status['status']}: {status.get('error') or ''}".strip(), markup=False)
        raise typer.Exit(1)
    out.print(_score_line(_run(lambda: api.get(f"/api/jobs/{job['id']}/results"))), markup=False)


def _submit_seeds(api: Api, body: dict, seeds: int, wait: bool) -> None:
    """k seeds: one seed group (no idempotency key: the group is one request); with --wait, each seed's
    log in turn, then the group's numbers from /api/seed-groups/<id>."""
    body = {key: value for key, value in body.items() if key != "job_id"} | {"seeds": seeds}
    group = _run(lambda: api.post("/api/jobs", json=body))
    for job in group["jobs"]:
        out.print(f"job {job['id']} queued", markup=False)
    out.print(f"seed group {group['seed_group']} ({seeds} seeds)", markup=False)
    if not wait:
        return
    failed = [job["id"] for job in group["jobs"] if _follow(api, job["id"])["status"] != "completed"]
    summary = _run(lambda: api.get(f"/api/seed-groups/{group['seed_group']}"))
    out.print(_seeds_lines(summary), markup=False)
    if failed:
        err.print(f"{len(failed)} of {seeds} seeds did not complete: {', '.join(failed)}", markup=False)
        raise typer.Exit(1)


def _seeds_lines(summary: dict) -> str:
    metric = summary["primary_metric"]
    lines = [f"  seed {s['seed']}: {metric} = {s['score']}" for s in summary["scores"]]
    if summary.get("mean") is not None:
        sd = f" ± {summary['sd']:.4f}" if summary.get("sd") is not None else ""
        line = f"{metric} = {summary['mean']:.4f}{sd} over {summary['k']} seeds"
        if summary.get("ci"):
            line += f"  (95% interval over seeds and items {summary['ci'][0]:.4f} – {summary['ci'][1]:.4f})"
        lines.append(line)
    return "\n".join(lines)


def _follow(api: Api, job_id: str, poll_s: float = 1.0) -> dict:
    """Print the log as it grows until the job ends; returns the final status."""
    offset = 0
    while True:
        chunk = _run(lambda offset=offset: api.get(f"/api/jobs/{job_id}/logs", params={"offset": offset}))
        if chunk["text"]:
            sys.stdout.write(chunk["text"])
            sys.stdout.flush()
        offset = chunk["next_offset"]
        if chunk["complete"]:
            return _run(lambda: api.get(f"/api/jobs/{job_id}/status"))
        if chunk["next_offset"] == chunk["offset"]:
            time.sleep(poll_s)


@app.command()
def status(job: str):
    """A job's status and phase."""
    data = _run(lambda: _api().get(f"/api/jobs/{job}/status"))
    line = f"{data['id']}  {data['status']}  phase={data['phase']}  attempt {data['attempts']}/{data['max_attempts']}"
    out.print(line + (f"  error: {data['error']}" if data.get("error") else ""), markup=False)


@app.command()
def logs(job: str, follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing until the job ends.")):
    """A job's log (all of it, or following it live)."""
    api = _api()
    if follow:
        _follow(api, job)
        return
    offset = 0
    while True:
        chunk = _run(lambda offset=offset: api.get(f"/api/jobs/{job}/logs", params={"offset": offset}))
        sys.stdout.write(chunk["text"])
        if chunk["next_offset"] == offset:
            break
        offset = chunk["next_offset"]
    sys.stdout.flush()


@app.command()
def results(job: str, as_json: bool = typer.Option(False, "--json", help="The API's JSON, unchanged.")):
    """A completed job's metrics, interval and MLflow link."""
    data = _run(lambda: _api().get(f"/api/jobs/{job}/results"))
    if as_json:
        out.print_json(json.dumps(data))
        return
    out.print(_score_line(data), markup=False)
    for name, value in sorted(data["metrics"].items()):
        out.print(f"  {name}: {value}", markup=False)
    if data.get("mlflow_run_url"):
        out.print(f"MLflow: {data['mlflow_run_url']}", markup=False)


@app.command()
def cancel(job: str):
    """Cancel a pending or running job."""
    data = _run(lambda: _api().post(f"/api/jobs/{job}/cancel"))
    out.print(f"{data['id']}  {data['status']}", markup=False)


@app.command()
def jobs(
    benchmark: str | None = typer.Option(None, "--benchmark", "-b"),
    status_: str | None = typer.Option(None, "--status"),
):
    """Your jobs, newest first."""
    query = {key: value for key, value in (("benchmark", benchmark), ("status", status_)) if value}
    first = _run(lambda: _api().get("/api/jobs", params=query))  # one page, newest first (next: older)
    table = Table("job", "benchmark", "status", "created", box=None)
    for row in first["results"]:
        table.add_row(row["id"], row["benchmark"], row["status"], row["created_at"][:19])
    out.print(table)


# The entry, final and board commands, registered on the same app after these (``lb --help`` keeps its order).
from lb_cli import commands_entries  # noqa: E402, F401

# isort: split
from lb_cli import commands_boards  # noqa: E402, F401
