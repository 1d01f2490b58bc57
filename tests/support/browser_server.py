"""A real ASGI server (uvicorn) on the embedded defaults and the toy benchmark, for the tests that drive
headless Chromium against it; and the Chromium they drive."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT, free_port, wait_for_http

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def toy_asgi_server(data: Path, setup: str) -> Iterator[str]:
    """Migrate a fresh installation in ``data``, run ``setup`` (Python, through ``manage.py shell``) in it,
    serve it with uvicorn on 127.0.0.1 and yield its URL."""
    drop = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        LB_DATA_DIR=str(data),
        LB_BENCHMARKS="tests.support.toy:benchmarks",
        DJANGO_SETTINGS_MODULE="config.settings",
        LB_LOG_LEVEL="WARNING",
    )
    with open(data / "server.log", "ab") as log:
        for command in (["migrate", "--noinput"], ["shell", "-c", setup]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=180,
            )
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.agents.static_asgi:application", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(url + "/", timeout=60, process=process)
            yield url
        finally:
            process.terminate()
            process.wait(10)
