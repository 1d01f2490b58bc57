"""bubblewrap run by a non-root worker: user namespace, no nested namespaces, rlimits.

The dev container's worker is root, so the non-root path is exercised by
running a stand-in worker as uid 65534 with the system Python (the sandbox
package is plain standard-library Python).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from sandbox.bubblewrap import PROJECT_ROOT

HERE = Path(__file__).parent


@pytest.fixture
def shared_workdir():
    # Under /tmp with open modes: the stand-in worker (uid 65534) must reach it.
    workdir = Path(tempfile.mkdtemp(prefix="lb-unpriv-"))
    os.chmod(workdir, 0o755)
    os.chown(workdir, 65534, 65534)
    yield workdir
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"),
    reason="needs root to start a stand-in worker as another uid, and a system python3",
)
def test_non_root_worker(shared_workdir):
    result = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            str(HERE / "unprivileged_worker.py"),
            str(PROJECT_ROOT),
            str(shared_workdir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LB_SANDBOX_CGROUP": "off"},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["worker_uid"] == 65534
    probe = report["probe"]
    assert probe["kind"] == "ok", probe["log"]
    assert probe["facts"] == {
        "uid": 65534,
        "interfaces": ["lo"],
        "shadow": "denied",
        "nested_userns": False,
        "write_outside": False,
    }
    assert report["bomb"]["facts"]["children"] < 32  # RLIMIT_NPROC, counted per user namespace
    hog = report["hog"]
    assert (hog["kind"], hog["reason"]) == ("oom", "out of memory (limit 256 MiB)"), hog["log"]
