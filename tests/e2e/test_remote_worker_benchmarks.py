"""lb-worker on the real benchmarks: an anomaly job whose scores equal a local worker's on the same
submission, and a maze job whose exported policy the platform scores on the hidden mazes. The remote
host's scratch space, listed all along, never holds a mask, a label file or a hidden maze."""

from __future__ import annotations

import os
import signal

import pytest

from benchmarks.anomaly.benchmark import EXAMPLES_DIR
from benchmarks.maze import demo_policy_path
from tests.e2e.conftest import SUITE_QUEUE, _prepared_stack
from tests.e2e.test_remote_worker import Lister, start_lb_worker, worker_token
from tests.e2e.test_stack import mlflow_runs_for

pytestmark = pytest.mark.slow

# What only the scorer reads (hidden_dir of anomaly and maze): none of it may reach the GPU host.
HIDDEN_NAMES = ("ground_truth", "masks", "thumbnails", "eval_mazes", "split.json", "label")

MAZE_MAIN = """\
import argparse, pathlib, shutil
p = argparse.ArgumentParser(); p.add_argument("--config"); p.add_argument("--output"); a = p.parse_args()
shutil.copy("data/policy.onnx", pathlib.Path(a.output, "policy.onnx"))
print("policy exported", flush=True)
"""


@pytest.fixture
def real_stack(tmp_path, mlflow_server):
    stack = _prepared_stack(
        SUITE_QUEUE, tmp_path, mlflow_server, LB_BENCHMARKS="tests.support.remote_benchmarks:benchmarks"
    )
    try:
        stack.start_web()
        stack.start_worker(pools=["scoring"])
        yield stack
    finally:
        stack.stop()


def hidden_seen(names) -> list[str]:
    return sorted(name for name in names if any(hidden in name for hidden in HIDDEN_NAMES))


def test_anomaly_and_maze_jobs_on_lb_worker(real_stack, tmp_path, mlflow_server):
    stack = real_stack
    scratch = tmp_path / "gpu-host" / "scratch"
    example = EXAMPLES_DIR / "anomaly-gaussian"
    anomaly_files = {name: (example / name).read_text() for name in ("main.py", "config.yaml")}
    anomaly_submission = stack.submit(anomaly_files, method="gaussian", benchmark="anomaly-gravel")
    anomaly_job = stack.enqueue(anomaly_submission)
    maze_files = {"main.py": MAZE_MAIN, "config.yaml": "seed: 0\n", "data/policy.onnx": demo_policy_path().read_bytes()}
    maze_job = stack.enqueue(stack.submit(maze_files, method="demo", benchmark="maze"))

    lister = Lister(scratch.parent)
    lister.start()
    worker = start_lb_worker(stack, worker_token(stack), scratch, max_jobs=2)
    try:
        anomaly = stack.wait_for(anomaly_job, {"completed", "failed"}, timeout=400)
        maze = stack.wait_for(maze_job, {"completed", "failed"}, timeout=400)
        assert worker.wait(60) == 0
    finally:
        lister.stop.set()
        lister.join()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    worker_log = (stack.tmp / "lb-worker-gpu-1.log").read_text()[-3000:]
    assert anomaly["status"] == "completed", (anomaly, worker_log)
    assert maze["status"] == "completed", (maze, worker_log)

    # The public data did reach the host (the listing works), the hidden data never did.
    assert any(name.endswith("dataset.json") for name in lister.seen)
    assert any(name.endswith("train_mazes.json") for name in lister.seen)
    assert hidden_seen(lister.seen) == []
    assert hidden_seen(str(p.relative_to(scratch)) for p in scratch.rglob("*")) == []

    # The maze policy was scored by the platform on the hidden mazes.
    maze_results = stack.api("GET", f"/api/jobs/{maze_job}/results").json()
    assert 0.0 <= maze_results["metrics"]["success_rate"] <= 1.0
    assert len(mlflow_runs_for(mlflow_server, maze_job)) == 1

    # The same anomaly submission on a local worker: the same scores (timings aside).
    local_job = stack.enqueue(anomaly_submission)
    stack.start_worker(pools=["default"])
    local = stack.wait_for(local_job, {"completed", "failed"}, timeout=400)
    assert local["status"] == "completed", local
    remote_metrics = stack.api("GET", f"/api/jobs/{anomaly_job}/results").json()["metrics"]
    local_metrics = stack.api("GET", f"/api/jobs/{local_job}/results").json()["metrics"]

    def quality(metrics: dict) -> dict:
        return {name: value for name, value in metrics.items() if "time" not in name}

    assert quality(remote_metrics) == quality(local_metrics) and quality(remote_metrics)
