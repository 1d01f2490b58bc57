"""One scheduler pushes the periodic work; workers started with ``run_huey -n`` push none.
Real processes on Huey's SQLite queue: two workers and one ``run_scheduler`` with a 2 s
sweep interval execute one sweep per interval between them (not one per worker, and not
one a minute, which is all Huey's crontab periodic tasks can do)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import ROOT

WINDOW_S = 7.0
INTERVAL_S = 2


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def _wait_for(path, text: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in line.get("message", "") for line in _lines(path)):
            return
        assert process.poll() is None, path.read_text()[-3000:]
        time.sleep(0.2)
    raise TimeoutError(f"{text!r} not in {path}:\n{path.read_text()[-3000:]}")


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "LB_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "LB_BENCHMARKS": "tests.support.toy:benchmarks",
            "LB_QUEUE_NAME": f"lb-sched-{uuid.uuid4().hex[:8]}",
            "LB_SWEEP_INTERVAL_S": str(INTERVAL_S),
            "LB_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


def test_two_workers_and_one_scheduler_run_one_sweep_per_interval(env, tmp_path):
    processes = []

    def start(name: str, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=open(tmp_path / f"{name}.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    try:
        workers = {
            name: start(
                name,
                "run_huey",
                "-n",
                "--workers",
                "1",
                "--worker-type",
                "thread",
                "--delay",
                "0.1",
                "--max-delay",
                "0.2",
            )
            for name in ("worker-1", "worker-2")
        }
        for name, process in workers.items():
            _wait_for(tmp_path / f"{name}.log", "Periodic tasks are disabled", process)
        scheduler = start("scheduler", "run_scheduler")
        _wait_for(tmp_path / "scheduler.log", "scheduler started", scheduler)
        time.sleep(WINDOW_S)
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(20) == 0
        time.sleep(1.0)  # the last sweep pushed is taken
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    executed = {
        name: [
            line
            for line in _lines(tmp_path / f"{name}.log")
            if line["name"].startswith("huey") and line["message"].startswith("Executing jobs.tasks.sweep_jobs")
        ]
        for name in workers
    }
    total = sum(len(lines) for lines in executed.values())
    # One per interval over the window: pushed at 0, 2, 4 and 6 s (a tick at the edge may fall either side).
    assert WINDOW_S // INTERVAL_S <= total <= WINDOW_S // INTERVAL_S + 2, executed
    worker_logs = "".join((tmp_path / f"{name}.log").read_text() for name in workers)
    assert "Enqueueing periodic task" not in worker_logs  # the workers pushed none
    # Huey's crontab tasks still run, pushed by the scheduler (fleet's runs every minute).
    assert "pushed periodic task mark_gone_workers" in (tmp_path / "scheduler.log").read_text()
    assert "Executing fleet.tasks.mark_gone_workers" in worker_logs
