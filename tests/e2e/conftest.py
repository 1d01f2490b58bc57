"""A real stack for end-to-end tests: the production web tier (scripts/serve.sh:
nginx, gunicorn, uvicorn), worker (run_huey) and a queue (Redis or Huey's
SQLite), as separate processes talking over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port, wait_for_http, zip_bytes
from tests.support.install import fresh_database_url, prepare_installation, suite_on_postgres

PYTHON = sys.executable

# The queues a stack runs on. Its database is the suite's (fresh_database_url), so a stack stands for a
# deployment: "redis" on PostgreSQL is production's (docker-compose.yml), "sqlite" on SQLite the
# embedded default (make run). On PostgreSQL a "sqlite" stack would be PostgreSQL with Huey's SQLite
# queue: every line of it runs in those two already (the queue code does not depend on the database,
# nor the database code on the queue), so scripts/test.sh's pass 1 (PostgreSQL) runs the production
# stacks and its pass 2 (SQLite) the embedded ones, and no stack runs twice.
ON_POSTGRES = suite_on_postgres()
STACK_QUEUES = ["redis"] if ON_POSTGRES else ["redis", "sqlite"]
# The one queue of the deployment the suite's database stands for.
SUITE_QUEUE = "redis" if ON_POSTGRES else "sqlite"


@dataclass
class Stack:
    env: dict
    tmp: Path
    url: str = ""
    token: str = ""
    web: subprocess.Popen | None = None
    workers: list = field(default_factory=list)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start_web(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**self.env, "PYTHON": PYTHON, "LB_WEB_PORT": str(port), "LB_WEB_WORKERS": "3"}
        self.web = subprocess.Popen(
            [str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=env,
            stdout=open(self.tmp / "web.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_http(self.url + "/api/benchmarks", timeout=60, process=self.web)

    def start_worker(self, *, pools: list[str] | None = None, host: str | None = None) -> subprocess.Popen:
        """A ``run_huey`` process; ``pools`` (LB_WORKER_POOLS) and ``host`` (LB_WORKER_HOST) make it one
        worker of a fleet, as on another machine (default: every pool, this host)."""
        env = dict(self.env)
        if pools is not None:
            env["LB_WORKER_POOLS"] = ",".join(pools)
        if host is not None:
            env["LB_WORKER_HOST"] = host
        worker = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "run_huey",
                "--workers",
                "1",
                "--worker-type",
                "thread",
                "--delay",
                "0.1",
                "--max-delay",
                "0.5",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.tmp / "worker.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def start_scheduler(self, *, sweep_interval_s: int = 1) -> subprocess.Popen:
        """The one ``run_scheduler`` process of a deployment: it pushes the job sweep every
        ``sweep_interval_s`` (workers sweep only once, when they start)."""
        scheduler = subprocess.Popen(
            [PYTHON, "manage.py", "run_scheduler"],
            cwd=ROOT,
            env={**self.env, "LB_SWEEP_INTERVAL_S": str(sweep_interval_s)},
            stdout=open(self.tmp / "scheduler.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(scheduler)  # stopped with the workers
        return scheduler

    def kill(self, worker: subprocess.Popen) -> None:
        """SIGKILL the worker and everything it started (a host losing power)."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def submit(self, files: dict, method: str = "parity", benchmark: str = "toy") -> str:
        response = self.api(
            "POST",
            "/api/submissions",
            data={"benchmark": benchmark, "method": method},
            files={"archive": ("s.zip", zip_bytes(files), "application/zip")},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def enqueue(self, submission_id: str, resource_class: str | None = None) -> str:
        body = {"submission": submission_id, **({"resource_class": resource_class} if resource_class else {})}
        response = self.api("POST", "/api/jobs", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def status(self, job_id: str) -> dict:
        return self.api("GET", f"/api/jobs/{job_id}/status").json()

    def wait_for(self, job_id: str, statuses: set[str], timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(job_id)
            if status["status"] in statuses:
                return status
            time.sleep(0.3)
        raise TimeoutError(
            f"job {job_id} stuck in {status}; worker log:\n" + (self.tmp / "worker.log").read_text()[-3000:]
        )

    def stop(self) -> None:
        if self.web is not None and self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)  # serve.sh stops its parts and removes its socket folder
            try:
                self.web.wait(20)
            except subprocess.TimeoutExpired:
                pass
        for process in [self.web, *self.workers]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _prepared_stack(queue: str, tmp_path: Path, mlflow_server: str, **extra_env: str) -> Stack:
    """A migrated, bootstrapped data dir and its environment; nothing started yet."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "LB_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": fresh_database_url(tmp_path),
            "LB_BENCHMARKS": "tests.support.toy:benchmarks",
            "LB_QUEUE_NAME": f"lb-e2e-{uuid.uuid4().hex[:8]}",
            "MLFLOW_TRACKING_URI": mlflow_server,
            "LB_HEARTBEAT_S": "1",
            "LB_HEARTBEAT_TIMEOUT_S": "4",
            "LB_REQUEUE_PENDING_AFTER_S": "2",
            "LB_MAX_ACTIVE_JOBS_PER_USER": "20",
            "LB_RATELIMIT_ENABLE": "0",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
    )
    if queue == "redis":
        env["REDIS_URL"] = os.environ.get("LB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    stack = Stack(env=env, tmp=tmp_path)
    stack.queue = queue
    (stack.token,) = prepare_installation(stack.env, "alice")
    return stack


@pytest.fixture(params=STACK_QUEUES)
def stack(request, tmp_path, mlflow_server):
    """Everything real: migrate + bootstrap a fresh data dir, then web and one worker."""
    stack = _prepared_stack(request.param, tmp_path, mlflow_server)
    try:
        stack.start_web()
        stack.start_worker()
        yield stack
    finally:
        stack.stop()


# A resource class in its own pool, for the fleet tests only (production defaults have one pool).
POOL_CLASSES = {
    "small": {"timeout_s": 120, "memory_mb": 2048, "cpus": 1, "max_procs": 256, "max_output_mb": 64, "gpus": 0},
    "big": {
        "timeout_s": 120,
        "memory_mb": 2048,
        "cpus": 1,
        "max_procs": 256,
        "max_output_mb": 64,
        "gpus": 0,
        "pool": "big",
    },
}


@pytest.fixture(params=STACK_QUEUES)
def pool_stack(request, tmp_path, mlflow_server):
    """A fleet: web only, with the ``big`` pool configured; the test starts its workers
    (``stack.start_worker(pools=..., host=...)``). /metrics is open to 127.0.0.1 here."""
    stack = _prepared_stack(
        request.param,
        tmp_path,
        mlflow_server,
        LB_RESOURCE_CLASSES=json.dumps(POOL_CLASSES),
        LB_METRICS_ALLOW="127.0.0.1/32",
    )
    try:
        stack.start_web()
        yield stack
    finally:
        stack.stop()
