"""The `lb` commands. Errors are one line on stderr, `error: CODE: detail`, exit status 2;
a job that ends other than completed exits 1."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from lb_cli import bundle, config
from lb_cli.client import Api, ApiError, ProgressReader

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


def _marks_line(summary: dict) -> str:
    return (
        f"{summary['benchmark']} · phase {summary['phase']}: {len(summary['marks'])} of "
        f"{summary['final_max']} marked final, {summary['remaining']} left"
    )


def _print_finals(summary: dict) -> None:
    out.print(_marks_line(summary), markup=False)
    for mark in summary["marks"]:
        score = mark.get("public_score")
        shown = f"{score:.4f}" if isinstance(score, (int, float)) else "—"
        how = "  (by default)" if mark.get("by_default") else ""
        out.print(f"  entry {mark['entry']}  {mark['method']}  job {mark['job']}  public {shown}{how}", markup=False)


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


@app.command()
def download(
    job: str = typer.Argument(..., help="One of your jobs (staff: any job)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Where to write it (default: the server's name)."),
):
    """Download the archive submitted for JOB, byte for byte as it was stored."""
    api = _api()
    response = _run(lambda: api.request("GET", f"/api/jobs/{job}/archive"))
    name = response.headers.get("content-disposition", "").partition('filename="')[2].rstrip('"')
    target = output or Path(Path(name).name or f"{job}.zip")  # never a path the server sent
    target.write_bytes(response.content)
    out.print(f"{target} ({len(response.content)} bytes)", markup=False)


@app.command()
def entry(
    job: str = typer.Argument(..., help="A completed job of yours; its board entry is changed."),
    unlist: bool = typer.Option(False, "--unlist", help="Keep the entry off the public board (finals still count)."),
    relist: bool = typer.Option(False, "--list", help="Put an unlisted entry back on the public board."),
    description_file: Path | None = typer.Option(
        None, "--description-file", exists=True, dir_okay=False, help="A new method card description (Markdown)."
    ),
    paper: str | None = typer.Option(None, "--paper", help="A new paper URL ('' clears it)."),
    code: str | None = typer.Option(None, "--code", help="A new code URL ('' clears it)."),
):
    """Change the board entry of JOB: its listing and its method card."""
    api = _api()
    entry_id = _run(lambda: api.get(f"/api/jobs/{job}/results")).get("entry")
    if entry_id is None:
        _fail(ApiError("no_entry", f"Job {job} counts towards no board entry yet."))
    body: dict = {}
    if unlist or relist:
        body["unlisted"] = unlist
    if description_file is not None:
        body["description"] = _read_description(description_file)
    body.update({key: value for key, value in (("paper_url", paper), ("code_url", code)) if value is not None})
    path = f"/api/entries/{entry_id}"
    data = _run(lambda: api.request("PATCH", path, json=body).json()) if body else _run(lambda: api.get(path))
    listing = "unlisted (off the public board)" if data["unlisted"] else "listed"
    out.print(f"Entry {data['id']} ({data['method']} on {data['benchmark']}) is {listing}.", markup=False)
    for key in ("paper_url", "code_url"):
        if data[key]:
            out.print(f"  {key}: {data[key]}", markup=False)


@app.command()
def final(
    job: str | None = typer.Argument(None, help="A completed job; its entry is marked final, pinned to it."),
    unmark: bool = typer.Option(False, "--unmark", help="Unmark the entry of JOB instead."),
    list_: bool = typer.Option(False, "--list", help="Show your final marks and how many remain."),
    benchmark: str | None = typer.Option(None, "--benchmark", "-b", help="With --list: one benchmark."),
):
    """Mark the entry of a completed job final for the private ranking (or --unmark it, or --list marks)."""
    api = _api()
    if list_ or job is None:
        finals = [f for f in _run(lambda: api.get("/api/me"))["finals"] if not benchmark or f["benchmark"] == benchmark]
        if not finals:
            out.print(f"No phase with a final choice{' on ' + benchmark if benchmark else ''}.", markup=False)
        for summary in finals:
            _print_finals(summary)
        return
    entry = _run(lambda: api.get(f"/api/jobs/{job}/results")).get("entry")
    if entry is None:
        _fail(ApiError("no_entry", f"Job {job} counts towards no board entry yet."))
    if unmark:
        summary = _run(lambda: api.request("DELETE", f"/api/entries/{entry}/final").json())
        out.print(f"Unmarked entry {entry}. " + _marks_line(summary), markup=False)
    else:
        summary = _run(lambda: api.post(f"/api/entries/{entry}/final", json={"job": job}))
        out.print(f"Marked entry {entry} final (job {job}). " + _marks_line(summary), markup=False)


@app.command()
def publish(
    job: str = typer.Argument(..., help="A completed maze job; the policy it registered is published."),
    withdraw: bool = typer.Option(False, "--withdraw", help="Make it private again (you and staff only)."),
):
    """Publish the policy a completed maze job registered: everyone may then list and replay it."""
    api = _api()
    found = _run(lambda: api.get("/api/models", params={"job": job}))["results"]
    if not found:
        _fail(
            ApiError(
                "no_policy",
                f"Job {job} registered no policy you can see (a maze job registers its policy.onnx when it completes).",
            )
        )
    model = _run(lambda: api.post(f"/api/models/{found[0]['id']}/publish", json={"published": not withdraw}))
    state = "published: everyone may list and replay it" if model["published"] else "private: you and staff only"
    out.print(
        f"Policy {model['name']} v{model['version']} (model {model['id']}) of job {job} is {state}.", markup=False
    )


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
