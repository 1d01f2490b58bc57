"""`lb`, the installed console script, against a running stack (uvicorn web, Huey worker,
bubblewrap sandbox, MLflow): submit a folder and wait for the score, follow a log live,
and one-line errors with exit status 2."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, toy_files, zip_bytes
from tests.support.desk import TICKING_MAIN, start_desk_stack

pytestmark = pytest.mark.slow
LB = str(ROOT / ".venv" / "bin" / "lb")
# This checkout's client, whichever checkout the shared environment's editable install points at.
CLI_SOURCE = str(ROOT / "cli")
UPLOAD_LIMIT = 300_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mlflow_server):
    stack = start_desk_stack(tmp_path_factory.mktemp("cli"), mlflow_server, LB_UPLOAD_MAX_BYTES=str(UPLOAD_LIMIT))
    yield stack
    stack.stop()


def lb(stack, *args, token=None, timeout=180, **kwargs) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "LB_URL": stack.url,
        "LB_TOKEN": stack.token if token is None else token,
        "LB_CONFIG": str(stack.tmp / "no-config.json"),
        "COLUMNS": "200",
        "PYTHONPATH": CLI_SOURCE,
    }
    return subprocess.run([LB, *args], env=env, capture_output=True, text=True, timeout=timeout, **kwargs)


def folder_with(tmp_path: Path, files: dict) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return tmp_path


def test_submit_a_folder_and_wait_prints_the_score(stack, tmp_path):
    folder = folder_with(
        tmp_path / "method",
        {
            **toy_files(main=TICKING_MAIN),
            ".gitignore": "data/\n*.ckpt\n",
            "data/big.bin": os.urandom(1000),
            "model.ckpt": b"x",
            "lib/helpers.py": "X = 1\n",
        },
    )
    result = lb(stack, "submit", str(folder), "--benchmark", "toy", "--method", "cli-parity", "--wait")
    assert result.returncode == 0, result.stderr
    job_id = result.stdout.split("job ", 1)[1].split()[0]
    results = stack.api("GET", f"/api/jobs/{job_id}/results").json()
    low, high = results["primary_ci"]
    score = f"accuracy = {results['metrics']['accuracy']:.4f}  (95% interval {low:.4f} – {high:.4f})"
    assert result.stdout.rstrip().splitlines()[-1] == score
    assert "tick 0" in result.stdout and "tick 5" in result.stdout  # the log, followed
    submission = stack.api("GET", f"/api/submissions/{stack.status(job_id)['submission']}").json()
    assert {f["path"] for f in submission["files"]} == {"main.py", "config.yaml", "lib/helpers.py"}


def test_logs_follow_shows_lines_as_they_are_written(stack):
    job_id = stack.enqueue(stack.submit(toy_files(main=TICKING_MAIN), method="followed"))
    env = {
        **os.environ,
        "LB_URL": stack.url,
        "LB_TOKEN": stack.token,
        "LB_CONFIG": str(stack.tmp / "none.json"),
        "PYTHONPATH": CLI_SOURCE,
    }
    process = subprocess.Popen([LB, "logs", job_id, "--follow"], env=env, stdout=subprocess.PIPE, text=True)
    seen = {}
    try:
        for line in process.stdout:
            if line.startswith("tick "):
                seen[line.split()[1]] = (time.monotonic(), stack.status(job_id)["status"])
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
    assert set(seen) == {"0", "1", "2", "3", "4", "5"}
    assert seen["0"][1] == "running"  # the first line arrived while the job was still running
    assert seen["5"][0] - seen["0"][0] > 3  # ...and lines came one by one, not all at the end


def _one_line_error(result, code: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {code}: "), result.stderr


def test_bad_token_is_one_line_and_exit_2(stack, tmp_path):
    archive = tmp_path / "m.zip"
    archive.write_bytes(zip_bytes(toy_files()))
    _one_line_error(
        lb(stack, "submit", str(archive), "-b", "toy", "-m", "x", token="lb_000000000000_" + "x" * 30),
        "invalid_token",
    )
    _one_line_error(lb(stack, "jobs", token="lb_000000000000_" + "x" * 30), "invalid_token")


def test_missing_benchmark_is_one_line_and_exit_2(stack, tmp_path):
    archive = tmp_path / "m.zip"
    archive.write_bytes(zip_bytes(toy_files()))
    _one_line_error(lb(stack, "submit", str(archive), "-b", "no-such-benchmark", "-m", "x"), "unknown_benchmark")
    _one_line_error(lb(stack, "board", "no-such-benchmark"), "not_found")


def test_too_large_archive_is_one_line_and_exit_2(stack, tmp_path):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("main.py", "print(1)\n")
        bundle.writestr("config.yaml", "a: 1\n")
        bundle.writestr("weights.bin", os.urandom(2 * UPLOAD_LIMIT))
    _one_line_error(lb(stack, "submit", str(archive), "-b", "toy", "-m", "big"), "upload_too_large")


def test_login_status_results_jobs_board(stack, tmp_path):
    config = tmp_path / "lb" / "config.json"
    env = {**os.environ, "LB_CONFIG": str(config), "PYTHONPATH": CLI_SOURCE}
    env.pop("LB_URL", None), env.pop("LB_TOKEN", None)
    login = subprocess.run(
        [LB, "login", "--url", stack.url, "--token", stack.token], env=env, capture_output=True, text=True, timeout=60
    )
    assert login.returncode == 0 and "as alice" in login.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and json.loads(config.read_text())["token"] == stack.token
    job_id = stack.enqueue(stack.submit(toy_files(), method="listed"))
    stack.wait_for(job_id, {"completed"})

    def run(*args):
        result = subprocess.run([LB, *args], env={**env, "COLUMNS": "200"}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert f"{job_id}  completed" in run("status", job_id)
    assert json.loads(run("results", job_id, "--json"))["metrics"]["accuracy"] == 1.0
    assert job_id in run("jobs", "--benchmark", "toy") and job_id not in run("jobs", "--benchmark", "maze")
    assert "listed" in run("board", "toy") and run("board", "toy", "--csv").startswith("rank,")
    assert "[platform" in run("logs", job_id)
    cancelled = subprocess.run([LB, "cancel", job_id], env=env, capture_output=True, text=True, timeout=60)
    _one_line_error(cancelled, "not_cancellable")


PRIVATE_PHASE = """
from datetime import timedelta
from django.utils import timezone
from phases.models import Phase
now = timezone.now()
Phase.objects.create(benchmark="toy", name="Final", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7),
                     ranks_on="private", final_max=1)
"""


def test_final_marks_unmarks_lists_and_refuses_in_one_line(stack):
    """Last in this module: it opens a private phase on toy for what follows it."""
    first, second = (stack.enqueue(stack.submit(toy_files(), method=m)) for m in ("final-a", "final-b"))
    for job_id in (first, second):
        stack.wait_for(job_id, {"completed"})
    stack.manage("shell", "-c", PRIVATE_PHASE)
    marked = lb(stack, "final", first)
    assert marked.returncode == 0, marked.stderr
    entry = stack.api("GET", f"/api/jobs/{first}/results").json()["entry"]
    assert marked.stdout.strip() == (
        f"Marked entry {entry} final (job {first}). toy · phase Final: 1 of 1 marked final, 0 left"
    )
    me = stack.api("GET", "/api/me").json()["finals"]
    assert [(m["entry"], m["job"]) for m in me[0]["marks"]] == [(entry, first)]
    _one_line_error(lb(stack, "final", second), "final_limit_reached")
    listed = lb(stack, "final", "--list", "--benchmark", "toy")
    assert listed.returncode == 0 and listed.stdout.splitlines()[0] == "toy · phase Final: 1 of 1 marked final, 0 left"
    assert f"entry {entry}  final-a  job {first}  public 1.0000" in listed.stdout
    assert lb(stack, "final", "--list", "--benchmark", "maze").stdout.startswith("No phase with a final choice")
    unmarked = lb(stack, "final", first, "--unmark")
    assert unmarked.returncode == 0 and unmarked.stdout.strip().endswith("0 of 1 marked final, 1 left")
    assert stack.api("GET", "/api/me").json()["finals"][0]["marks"] == []
    _one_line_error(lb(stack, "final", "00000000-0000-0000-0000-000000000000"), "not_found")
