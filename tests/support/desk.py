"""A real stack for the submitter's-desk tests: web (uvicorn, static files from the
finders) and one worker, started once per module, signing up open."""

from __future__ import annotations

import os
import subprocess
import uuid

from tests.conftest import ROOT, free_port, wait_for_http
from tests.e2e.conftest import PYTHON, Stack
from tests.support.install import fresh_database_url, prepare_installation

# A submission that runs for a few seconds, printing as it goes: long enough to
# watch the log grow.
TICKING_MAIN = """\
import argparse, json, os, pathlib, time
p = argparse.ArgumentParser(); p.add_argument("--config"); p.add_argument("--output"); a = p.parse_args()
numbers = json.loads(pathlib.Path(os.environ["LB_DATASET_DIR"], "numbers.json").read_text())
for i in range(6):
    print("tick", i, flush=True); time.sleep(1)
answers = [n % 2 == 0 for n in numbers]; answers[:8] = [not x for x in answers[:8]]
pathlib.Path(a.output, "predictions.json").write_text(json.dumps(answers))
"""


class DeskStack(Stack):
    def start_web(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.web = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "uvicorn",
                "tests.agents.static_asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.tmp / "web.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_http(self.url + "/api/benchmarks", timeout=90, process=self.web)


def start_desk_stack(
    tmp, mlflow_server: str = "http://127.0.0.1:9", *, worker: bool = True, **extra_env: str
) -> DeskStack:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "LB_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": fresh_database_url(tmp),
            "LB_BENCHMARKS": "tests.support.toy:benchmarks",
            "LB_QUEUE_NAME": f"lb-desk-{uuid.uuid4().hex[:8]}",
            "MLFLOW_TRACKING_URI": mlflow_server,
            "LB_RATELIMIT_ENABLE": "0",
            "LB_MAX_ACTIVE_JOBS_PER_USER": "20",
            "LB_SIGNUP": "open",
            "LB_JOB_LIVE_POLL_S": "0.2",
            "LB_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ.get("LB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    stack = DeskStack(env=env, tmp=tmp)
    (stack.token,) = prepare_installation(stack.env, "alice")
    try:
        stack.start_web()
        if worker:
            stack.start_worker()
    except BaseException:
        stack.stop()
        raise
    return stack
