"""Fixtures for running (hostile) submissions through a real sandbox backend."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from jobs.sandbox import ResourceClass, RunOutcome, RunSpec, get_sandbox

HOSTILE_DIR = Path(__file__).parent / "hostile"
# Tiny limits so that every test ends in seconds.
TINY = ResourceClass(name="tiny", timeout_s=20, memory_mb=256, cpus=1.0, max_procs=32, max_output_mb=1)


@dataclass
class Workspace:
    """A fake LB_DATA_DIR laid out like the platform's, with one job in it."""

    data_dir: Path
    token: str
    hidden_file: Path
    other_submission: Path
    dataset_dir: Path
    code_dir: Path
    output_dir: Path
    log_path: Path

    def result(self) -> dict:
        return json.loads((self.output_dir / "result.json").read_text())

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    token = secrets.token_hex(8)
    data = tmp_path / "lbdata"
    hidden = data / "benchmarks" / "toy" / "hidden" / f"gt-{token}.txt"
    other = data / "submissions" / "someone-else" / "main.py"
    dataset = data / "benchmarks" / "toy" / "public"
    job = data / "jobs" / "1"
    for folder in (hidden.parent, other.parent, dataset, job / "code", job / "output"):
        folder.mkdir(parents=True)
    hidden.write_text(f"GROUND-TRUTH-{token}")
    other.write_text(f"print('OTHER-SUBMISSION-{token}')")
    (dataset / "train.txt").write_text("public data")
    return Workspace(data_dir=data, token=token, hidden_file=hidden, other_submission=other,
                     dataset_dir=dataset, code_dir=job / "code", output_dir=job / "output",
                     log_path=job / "log.txt")


@pytest.fixture(params=["bubblewrap", "none"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def tiny() -> ResourceClass:
    return TINY


@pytest.fixture
def run_hostile():
    """``run_hostile(backend, workspace, "script.py", …)``: see :func:`run_script`."""
    return run_script


def run_script(backend: str, workspace: Workspace, script: str, *, resources: ResourceClass = TINY,
               targets: dict | None = None, env: dict | None = None, **run_kwargs) -> RunOutcome:
    """Run hostile/``script`` as the job's main.py under ``backend``."""
    source = (HOSTILE_DIR / "_common.py").read_text() + "\n" + (HOSTILE_DIR / script).read_text()
    (workspace.code_dir / "main.py").write_text(source)
    all_targets = {"token": workspace.token, "hidden_file": str(workspace.hidden_file),
                   "other_submission": str(workspace.other_submission),
                   "data_dir": str(workspace.data_dir), **(targets or {})}
    spec = RunSpec(
        argv=["{python}", "main.py", "{output}", json.dumps(all_targets)],
        code_dir=workspace.code_dir, output_dir=workspace.output_dir, dataset_dir=workspace.dataset_dir,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", **(env or {})},
        resources=resources,
    )
    sandbox = get_sandbox(backend, debug=True)
    with open(workspace.log_path, "ab") as log:
        return sandbox.run(spec, log=log, **run_kwargs)
