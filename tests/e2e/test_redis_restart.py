"""Redis (with AOF) crashing under load loses no job."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.conftest import free_port, toy_files

pytestmark = pytest.mark.slow


class RedisServer:
    def __init__(self, directory, port):
        self.directory, self.port, self.process = directory, port, None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(100):
            if (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise TimeoutError("redis did not start")

    def crash(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def queued(self) -> int:
        keys = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--scan", "--pattern", "huey.redis.*"], capture_output=True, text=True
        ).stdout.split()
        return sum(
            int(
                subprocess.run(["redis-cli", "-p", str(self.port), "llen", key], capture_output=True, text=True).stdout
                or 0
            )
            for key in keys
            if "lbe2e" in key
        )  # huey strips the dashes


@pytest.fixture
def aof_redis(tmp_path, monkeypatch):
    server = RedisServer(tmp_path / "redis", free_port())
    server.directory.mkdir()
    server.start()
    monkeypatch.setenv("LB_TEST_REDIS_URL", f"redis://127.0.0.1:{server.port}/0")
    yield server
    if server.process.poll() is None:
        server.crash()


@pytest.mark.parametrize("stack", ["redis"], indirect=True)
def test_redis_crash_under_load_loses_no_job(aof_redis, stack):
    os.killpg(stack.workers[-1].pid, signal.SIGKILL)  # let messages pile up in the queue
    stack.workers[-1].wait()
    submission = stack.submit(toy_files())
    queued = [stack.enqueue(submission) for _ in range(3)]
    assert aof_redis.queued() == 3

    aof_redis.crash()
    # Requests during the outage still create their jobs; their messages are lost.
    during = [stack.enqueue(submission) for _ in range(2)]
    aof_redis.start()  # AOF brings the three queued messages back
    assert aof_redis.queued() == 3

    stack.start_worker()
    # The lost messages come back through the sweeper, which the one scheduler pushes (started
    # only now, so that the queue counts above are the jobs' messages alone).
    stack.start_scheduler()
    for job_id in queued + during:
        assert stack.wait_for(job_id, {"completed", "failed"}, timeout=180)["status"] == "completed"
