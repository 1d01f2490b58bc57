"""`lb` commands on entries: download an archive, describe an entry, mark finals, publish a policy."""

from __future__ import annotations

from pathlib import Path

import typer

from lb_cli.client import ApiError
from lb_cli.common import _api, _fail, _read_description, _run, app, out


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
