"""Upload → queue → worker → MLflow → board, across real processes, on Redis
and on Huey's SQLite queue; and a worker killed mid-job."""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests
from mlflow.tracking import MlflowClient

from tests.conftest import toy_files

pytestmark = pytest.mark.slow

SLOW_MAIN = """\
import argparse, json, os, pathlib, time
p = argparse.ArgumentParser(); p.add_argument("--config"); p.add_argument("--output"); a = p.parse_args()
numbers = json.loads(pathlib.Path(os.environ["LB_DATASET_DIR"], "numbers.json").read_text())
for i in range(8):
    print("working", i, flush=True); time.sleep(1)
pathlib.Path(a.output, "predictions.json").write_text(json.dumps([n % 2 == 0 for n in numbers]))
"""


def mlflow_runs_for(tracking: str, job_id: str) -> list:
    client = MlflowClient(tracking)
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, f"tags.`lb.job_id` = '{job_id}'")


def test_upload_to_board(stack, mlflow_server):
    job_id = stack.enqueue(stack.submit(toy_files(config="flip: 1\nepochs: 2\n")))
    status = stack.wait_for(job_id, {"completed", "failed"})
    assert status["status"] == "completed", status

    results = stack.api("GET", f"/api/jobs/{job_id}/results").json()
    assert results["run_id"] and results["mlflow_run_url"].startswith(mlflow_server)
    run = requests.get(results["mlflow_api_url"], timeout=10).json()["run"]
    assert run["info"]["run_id"] == results["run_id"]

    log = stack.api("GET", f"/api/jobs/{job_id}/logs").json()
    assert "numbers: 40" in log["text"] and log["complete"] is True

    board = requests.get(f"{stack.url}/api/leaderboard", params={"benchmark": "toy"}, timeout=10).json()
    assert [(r["rank"], r["user"], r["method"], r["job"]) for r in board["rows"]] == [(1, "alice", "parity", job_id)]
    page = requests.get(f"{stack.url}/leaderboard/toy/", timeout=10).text
    assert "parity" in page and results["run_id"] in page
    health = requests.get(f"{stack.url}/health", timeout=10)
    # 200: database and queue answer (the checks' details are for staff only).
    assert health.status_code == 200 and health.json()["status"] in {"ok", "degraded"}
    assert len(mlflow_runs_for(mlflow_server, job_id)) == 1


def test_worker_killed_mid_job_finishes_once(stack, mlflow_server):
    job_id = stack.enqueue(stack.submit(toy_files(main=SLOW_MAIN), method="slow"))
    stack.wait_for(job_id, {"running"})
    deadline = time.monotonic() + 30
    while "working 1" not in stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    worker = stack.workers[-1]
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and everything it started
    worker.wait()
    assert stack.status(job_id)["status"] == "running"  # nobody knows yet
    time.sleep(5)  # past the heartbeat timeout: the job is now visibly lost

    stack.start_worker()  # its start-up sweep re-queues the job, then runs it
    status = stack.wait_for(job_id, {"completed", "failed"}, timeout=120)
    assert status["status"] == "completed", status
    assert status["attempts"] == 2
    assert len(mlflow_runs_for(mlflow_server, job_id)) == 1
    log = stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]
    assert "attempt 1/3" in log and "attempt 2/3" in log


def test_cancel_kills_a_running_job(stack):
    job_id = stack.enqueue(stack.submit(toy_files(main=SLOW_MAIN), method="slow"))
    stack.wait_for(job_id, {"running"})
    time.sleep(1.5)
    assert stack.api("POST", f"/api/jobs/{job_id}/cancel").json()["status"] == "cancelled"
    # The worker notices within a couple of seconds and is free for the next job.
    next_job = stack.enqueue(stack.submit(toy_files(), method="next"))
    assert stack.wait_for(next_job, {"completed", "failed"}, timeout=60)["status"] == "completed"
    assert stack.status(job_id)["status"] == "cancelled"
    assert "run stopped" in stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]
