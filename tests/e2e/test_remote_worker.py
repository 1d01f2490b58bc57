"""lb-worker on a host that holds no secret: a real web tier, a scoring worker (run_huey serving only
the scoring pool), the scheduler, and lb-worker in a subprocess whose environment has no
DATABASE_URL, REDIS_URL, LB_DATA_DIR or seed and whose data folder is its own scratch space. It runs
the job in the bubblewrap sandbox and uploads the output; the platform scores it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, toy_files
from tests.e2e.conftest import SUITE_QUEUE, _prepared_stack
from tests.e2e.test_stack import SLOW_MAIN, mlflow_runs_for

pytestmark = pytest.mark.slow

SECRET_ENV = ("DATABASE_URL", "REDIS_URL", "LB_DATA_DIR", "LB_SEED", "LB_HIDDEN_SEED", "SECRET_KEY", "DJANGO")


@pytest.fixture
def remote_stack(tmp_path, mlflow_server):
    stack = _prepared_stack(SUITE_QUEUE, tmp_path, mlflow_server)
    try:
        stack.start_web()
        stack.start_worker(pools=["scoring"])  # the platform's scoring pool: no job pool served locally
        stack.start_scheduler()
        yield stack
    finally:
        stack.stop()


def worker_token(stack, pools: str = "default") -> str:
    return stack.manage("issue_worker_token", "--pools", pools).strip().splitlines()[-1]


def start_lb_worker(stack, token: str, scratch: Path, *, max_jobs: int = 1, name: str = "gpu-1") -> subprocess.Popen:
    """lb-worker with only PATH, HOME and the code on PYTHONPATH: nothing of the platform's."""
    scratch.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(scratch.parent / "home"),
        "PYTHONPATH": f"{ROOT}:{ROOT / 'cli'}",
        "PYTHONUNBUFFERED": "1",
    }
    assert not any(key.startswith(SECRET_ENV) for key in env)
    command = [sys.executable, "-m", "lb_cli.worker", "--url", stack.url, "--token", token]
    command += ["--scratch", str(scratch), "--wait", "2", "--max-jobs", str(max_jobs), "--host", name]
    return subprocess.Popen(
        command,
        cwd=scratch,
        env=env,
        stdout=open(stack.tmp / f"lb-worker-{name}.log", "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


class Lister(threading.Thread):
    """Every file name that appears in ``root`` while the job runs."""

    def __init__(self, root: Path) -> None:
        super().__init__(daemon=True)
        self.root, self.seen, self.stop = root, set(), threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.seen |= {str(p.relative_to(self.root)) for p in self.root.rglob("*")}
            time.sleep(0.05)


def test_lb_worker_runs_a_job_the_platform_scores_like_a_local_worker(remote_stack, tmp_path, mlflow_server):
    stack = remote_stack
    scratch = tmp_path / "gpu-host" / "scratch"
    submission = stack.submit(toy_files(main=SLOW_MAIN.replace("range(8)", "range(2)")), method="remote")
    job_id = stack.enqueue(submission)
    lister = Lister(scratch.parent)
    lister.start()
    worker = start_lb_worker(stack, worker_token(stack), scratch)
    try:
        status = stack.wait_for(job_id, {"completed", "failed"}, timeout=180)
        assert worker.wait(30) == 0
    finally:
        lister.stop.set()
        lister.join()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    log = stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]
    assert status["status"] == "completed", (status, log, (stack.tmp / "lb-worker-gpu-1.log").read_text()[-3000:])
    assert "(remote)" in log and "working 1" in log and "scoring the uploaded output" in log
    assert len(mlflow_runs_for(mlflow_server, job_id)) == 1

    # The scratch space saw the code and the public data, never the hidden truth, and keeps no job.
    assert any(name.endswith("numbers.json") for name in lister.seen), sorted(lister.seen)
    assert any(name.endswith("main.py") for name in lister.seen)
    assert not [name for name in lister.seen if "truth" in name or "hidden" in name]
    assert not (scratch / "jobs").exists() or not any((scratch / "jobs").iterdir())
    after = {str(p.relative_to(scratch)) for p in scratch.rglob("*")}
    assert not [name for name in after if "truth" in name or "hidden" in name]

    # The same submission on a local worker scores the same.
    local_job = stack.enqueue(submission)
    stack.start_worker(pools=["default"])
    local = stack.wait_for(local_job, {"completed", "failed"}, timeout=180)
    assert local["status"] == "completed", local
    remote_results = stack.api("GET", f"/api/jobs/{job_id}/results").json()
    local_results = stack.api("GET", f"/api/jobs/{local_job}/results").json()
    assert remote_results["metrics"] == local_results["metrics"]


def test_a_remote_worker_killed_mid_job_is_replaced_and_the_job_runs_once(remote_stack, tmp_path, mlflow_server):
    stack = remote_stack
    token = worker_token(stack)
    job_id = stack.enqueue(stack.submit(toy_files(main=SLOW_MAIN), method="slow"))
    first = start_lb_worker(stack, token, tmp_path / "a" / "scratch", name="gpu-a")
    deadline = time.monotonic() + 60
    while "working 1" not in stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]:
        assert time.monotonic() < deadline, (stack.tmp / "lb-worker-gpu-a.log").read_text()[-3000:]
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)  # lb-worker and its sandbox, as a host losing power
    first.wait()
    assert stack.status(job_id)["status"] == "running"

    second = start_lb_worker(stack, token, tmp_path / "b" / "scratch", name="gpu-b")
    try:
        status = stack.wait_for(job_id, {"completed", "failed"}, timeout=180)
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait()
    assert status["status"] == "completed", status
    assert status["attempts"] == 2
    assert len(mlflow_runs_for(mlflow_server, job_id)) == 1
    log = stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]
    assert "on gpu-a:" in log and "on gpu-b:" in log


def test_a_revoked_token_stops_the_worker_at_its_next_claim(remote_stack, tmp_path):
    stack = remote_stack
    out = stack.manage("issue_worker_token", "--pools", "default").strip().splitlines()
    prefix, token = out[0].split()[2], out[-1]
    worker = start_lb_worker(stack, token, tmp_path / "r" / "scratch", max_jobs=0, name="gpu-r")
    try:
        time.sleep(3)
        assert worker.poll() is None  # claiming (nothing to do)
        stack.manage("issue_worker_token", "--revoke", prefix)
        assert worker.wait(30) == 2  # its next claim is refused: it stops
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert "worker token refused" in (stack.tmp / "lb-worker-gpu-r.log").read_text()
