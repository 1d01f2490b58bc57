"""Fixtures for running (hostile) submissions through a real sandbox backend."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox import ResourceClass, RunOutcome, RunSpec, get_sandbox

HOSTILE_DIR = Path(__file__).parent / "hostile"
ROOT = Path(__file__).resolve().parents[2]
TEST_IMAGE_FILE = Path(__file__).parent / "sandbox-test.Containerfile"
# Debian's podman with runc and cgroupfs: what runs OCI containers on this
# kind of machine (no systemd, cgroup v1).
PODMAN = ["podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager=cgroupfs"]
BASE_IMAGE = "localhost/debian-base"
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
    return Workspace(
        data_dir=data,
        token=token,
        hidden_file=hidden,
        other_submission=other,
        dataset_dir=dataset,
        code_dir=job / "code",
        output_dir=job / "output",
        log_path=job / "log.txt",
    )


@pytest.fixture(params=["bubblewrap", "docker", "none"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def tiny() -> ResourceClass:
    return TINY


def _podman_required() -> None:
    """Where scripts/install.sh would install podman (Debian, apt), its absence is a failure."""
    if shutil.which("podman") and os.path.exists("/usr/sbin/runc"):
        return
    if shutil.which("apt-get"):
        pytest.fail(
            "podman + runc are missing; scripts/install.sh dev installs them (the docker backend's "
            "hostile tests run on podman)"
        )
    pytest.skip("no podman here and no apt-get to install it")


@pytest.fixture(scope="session")
def podman_sandbox() -> dict:
    """Options for the docker backend on podman, with the test sandbox image built once.

    The image is tagged by a hash of its inputs (Containerfile, base image id,
    host interpreter paths), so repeated runs on one machine reuse it."""
    _podman_required()
    made = subprocess.run(
        [str(ROOT / "scripts" / "debian-base.sh"), "podman", BASE_IMAGE],
        env={**os.environ, "LB_CONTAINER_CLI_ARGS": " ".join(PODMAN[1:])},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    base_id = subprocess.run(
        [*PODMAN, "image", "inspect", "--format", "{{.Id}}", BASE_IMAGE], capture_output=True, text=True, check=True
    ).stdout.strip()
    host_dirs = sorted({str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())})
    digest = hashlib.sha256("\n".join([TEST_IMAGE_FILE.read_text(), base_id, *host_dirs]).encode()).hexdigest()
    tag = f"localhost/lb-sandbox-test:{digest[:16]}"
    if subprocess.run([*PODMAN, "image", "exists", tag]).returncode != 0:
        built = subprocess.run(
            [
                *PODMAN,
                "build",
                "--network",
                "none",
                "--build-arg",
                f"BASE_IMAGE={BASE_IMAGE}",
                "--build-arg",
                f"HOST_PATHS={' '.join(host_dirs)}",
                "-t",
                tag,
                "-f",
                str(TEST_IMAGE_FILE),
                str(TEST_IMAGE_FILE.parent / "hostile"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert built.returncode == 0, built.stdout + built.stderr
    return {
        "image": tag,
        "cli": PODMAN[0],
        "cli_args": PODMAN[1:],
        "path_map": {},
        # The venv's interpreter at its resolved path: the one bound inside.
        "python": str(Path(sys.prefix).resolve() / "bin" / Path(sys.executable).name),
        "host_ro_dirs": [Path(d) for d in host_dirs],
    }


# Like the production sandbox image (Dockerfile, target "sandbox"): an interpreter at
# /opt/venv/bin/python, an unprivileged user, no platform code.
VENV_CONTAINERFILE = f"""\
FROM {BASE_IMAGE}
RUN python3 -m venv --without-pip /opt/venv
USER 65534:65534
"""


@pytest.fixture(scope="session")
def venv_sandbox_image(podman_sandbox, tmp_path_factory) -> str:
    """A sandbox image like production's, for runs whose platform side (scoring, the worker)
    must not be able to lean on a host interpreter bound into the container."""
    base_id = subprocess.run(
        [*PODMAN, "image", "inspect", "--format", "{{.Id}}", BASE_IMAGE], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest = hashlib.sha256((VENV_CONTAINERFILE + base_id).encode()).hexdigest()[:16]
    tag = f"localhost/lb-sandbox-venv-test:{digest}"
    if subprocess.run([*PODMAN, "image", "exists", tag]).returncode != 0:
        context = tmp_path_factory.mktemp("venv-image")
        (context / "Containerfile").write_text(VENV_CONTAINERFILE)
        built = subprocess.run(
            [*PODMAN, "build", "--network", "none", "-t", tag, str(context)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert built.returncode == 0, built.stdout + built.stderr
    return tag


@pytest.fixture
def sandbox_options(request):
    """``sandbox_options(backend)``: constructor options a backend needs in the tests."""

    def options(backend: str) -> dict:
        return request.getfixturevalue("podman_sandbox") if backend == "docker" else {}

    return options


@pytest.fixture
def run_hostile(sandbox_options):
    """``run_hostile(backend, workspace, "script.py", …)``: see :func:`run_script`."""

    def run(backend: str, *args, **kwargs) -> RunOutcome:
        return run_script(backend, *args, options=sandbox_options(backend), **kwargs)

    return run


def run_script(
    backend: str,
    workspace: Workspace,
    script: str,
    *,
    resources: ResourceClass = TINY,
    targets: dict | None = None,
    env: dict | None = None,
    options: dict | None = None,
    **run_kwargs,
) -> RunOutcome:
    """Run hostile/``script`` as the job's main.py under ``backend``."""
    source = (HOSTILE_DIR / "_common.py").read_text() + "\n" + (HOSTILE_DIR / script).read_text()
    (workspace.code_dir / "main.py").write_text(source)
    all_targets = {
        "token": workspace.token,
        "hidden_file": str(workspace.hidden_file),
        "other_submission": str(workspace.other_submission),
        "data_dir": str(workspace.data_dir),
        **(targets or {}),
    }
    spec = RunSpec(
        argv=["{python}", "main.py", "{output}", json.dumps(all_targets)],
        code_dir=workspace.code_dir,
        output_dir=workspace.output_dir,
        dataset_dir=workspace.dataset_dir,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", **(env or {})},
        resources=resources,
    )
    sandbox = get_sandbox(backend, debug=True, **(options or {}))
    with open(workspace.log_path, "ab") as log:
        return sandbox.run(spec, log=log, **run_kwargs)
