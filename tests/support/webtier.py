"""Start the production web tier (scripts/serve.sh) on a fresh LB_DATA_DIR, as a test would a real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT, free_port, wait_for_http
from tests.support.install import prepare_installation


@dataclass
class WebTier:
    url: str
    port: int
    token: str
    data_dir: Path
    run_dir: Path
    tmp_dir: Path
    process: subprocess.Popen

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to serve.sh alone, as a supervisor sends it; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def start_web_tier(root: Path, **overrides: str) -> WebTier:
    """Migrate and bootstrap ``root/data`` (SQLite), then start scripts/serve.sh on a free port."""
    data_dir, tmp_dir = root / "data", root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    # Short path: the tier's unix sockets live here (sun_path is 108 bytes).
    run_dir = Path(tempfile.mkdtemp(prefix="lbw-", dir="/tmp"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "PYTHON": sys.executable,
            "LB_DATA_DIR": str(data_dir),
            "LB_BENCHMARKS": "tests.support.toy:benchmarks",
            "LB_WEB_PORT": str(port),
            "LB_WEB_RUN_DIR": str(run_dir),
            "LB_WEB_WORKERS": "2",
            "TMPDIR": str(tmp_dir),
            "LB_RATELIMIT_ENABLE": "0",
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }
    )
    (token,) = prepare_installation(env, "alice")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "serve.sh")],
        cwd=ROOT,
        env=env,
        stdout=open(root / "serve.log", "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/benchmarks", timeout=90, process=process)
    except Exception:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return WebTier(
        url=url, port=port, token=token, data_dir=data_dir, run_dir=run_dir, tmp_dir=tmp_dir, process=process
    )
