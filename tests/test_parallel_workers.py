"""Under pytest-xdist (scripts/test.sh runs ``-n``) every worker is its own installation: its own data dir
(SQLite database, Huey queue, disk cache, uploads), its own Redis databases and queue name. Two workers on
one Redis database would flush each other's cache; on one data dir, share each other's SQLite files.

A real ``pytest -n 2`` run over a probe module that records what each worker's settings say.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = """
import json, os, pathlib, subprocess, sys

import pytest
from django.conf import settings

OUT = pathlib.Path(os.environ["PROBE_OUT"])
# What a server or worker a test starts sees when it loads the test settings again from the inherited environment.
CHILD = "import json, tests.settings as s; print(json.dumps([s.REDIS_URL, str(s.DATA_DIR)]))"


@pytest.mark.parametrize("n", range(8))
def test_probe(n):
    import time

    time.sleep(0.3)  # long enough that both workers take tests
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    seen = {
        "redis": settings.REDIS_URL,
        "queue_file": settings.HUEY.get("filename"),
        "stacks_redis": os.environ["LB_TEST_REDIS_URL"],
        "data_dir": str(settings.DATA_DIR),
        "queue": settings.HUEY["name"],
        "child": json.loads(child.stdout),
    }
    (OUT / os.environ["PYTEST_XDIST_WORKER"]).write_text(json.dumps(seen))
"""


def _run_probe(tmp_path: Path, **env_vars: str) -> dict:
    (tmp_path / "test_probe.py").write_text(PROBE)
    out = tmp_path / "out"
    out.mkdir()
    drop = {"DATABASE_URL", "REDIS_URL", "LB_DATA_DIR", "LB_QUEUE_NAME", "LB_TEST_WORKER_ENV", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST_")}
    env.update(PROBE_OUT=str(out), PYTHONPATH=str(ROOT), **env_vars)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pytest.ini"), "--rootdir", str(tmp_path)]
        + ["-p", "no:cacheprovider", "-q", "-n", "2", str(tmp_path / "test_probe.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    seen = {path.name: json.loads(path.read_text()) for path in out.iterdir()}
    assert sorted(seen) == ["gw0", "gw1"]
    return seen


@pytest.mark.parametrize("queue", ["redis", "sqlite"])
def test_each_xdist_worker_has_its_own_data_dir_redis_databases_and_queue(tmp_path, queue):
    if queue == "redis":  # only read, never connected to: the probe needs no Redis
        seen = _run_probe(tmp_path, REDIS_URL="redis://127.0.0.1:6379/4", LB_TEST_REDIS_URL="redis://127.0.0.1:6379/6")
    else:  # the embedded default: Huey's SQLite queue opens its file in the worker's data dir at setup
        seen = _run_probe(tmp_path, LB_TEST_REDIS_URL="redis://127.0.0.1:6379/6")
    gw0, gw1 = seen["gw0"], seen["gw1"]
    if queue == "redis":
        assert (gw0["redis"], gw1["redis"]) == ("redis://127.0.0.1:6379/4", "redis://127.0.0.1:6379/5")
    else:
        assert gw0["redis"] == gw1["redis"] == ""
        assert Path(gw0["queue_file"]).parent == Path(gw0["data_dir"])
        assert Path(gw1["queue_file"]).parent == Path(gw1["data_dir"])
    assert (gw0["stacks_redis"], gw1["stacks_redis"]) == ("redis://127.0.0.1:6379/6", "redis://127.0.0.1:6379/7")
    assert gw0["data_dir"] != gw1["data_dir"] and gw0["queue"] != gw1["queue"]
    for worker in (gw0, gw1):  # a process started by the worker sees the same, shifted once only
        assert worker["child"] == [worker["redis"], worker["data_dir"]]
