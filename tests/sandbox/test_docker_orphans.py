"""A worker killed with SIGKILL mid-job leaves its sandbox container running in the
engine (the ``run`` client dies, the container does not); the next worker to start
removes it (jobs/containers.py, from the labels sandbox/docker.py puts on every
run). Real podman, real worker processes (``manage.py run_huey``), a real web tier.
Run under ``flock /tmp/lb-podman.lock``."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.conftest import toy_files
from tests.e2e.conftest import _prepared_stack
from tests.sandbox.conftest import PODMAN

pytestmark = pytest.mark.slow

SLEEPER = """\
import time
print("sandbox started", flush=True)
time.sleep(600)
"""


def _containers(job_id: str, *, running_only: bool = False) -> list[str]:
    listed = subprocess.run(
        [*PODMAN, "ps", *([] if running_only else ["--all"]), "--quiet", "--filter", f"label=lb.job={job_id}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


@pytest.fixture
def docker_stack(tmp_path, venv_sandbox_image):
    stack = _prepared_stack(
        "sqlite",
        tmp_path,
        "http://127.0.0.1:9",
        LB_SANDBOX="docker",
        LB_SANDBOX_IMAGE=venv_sandbox_image,
        LB_CONTAINER_CLI=PODMAN[0],
        LB_CONTAINER_CLI_ARGS=" ".join(PODMAN[1:]),
        LB_MAX_ATTEMPTS="1",
    )
    stack.job_ids = []
    try:
        stack.start_web()
        yield stack
    finally:
        stack.stop()
        for job_id in stack.job_ids:  # only this test's containers, whatever the outcome
            leftovers = _containers(job_id)
            if leftovers:
                subprocess.run([*PODMAN, "rm", "--force", *leftovers], capture_output=True)


def test_a_worker_killed_mid_job_leaves_no_container_once_the_next_worker_starts(docker_stack):
    stack = docker_stack
    first = stack.start_worker()
    job_id = stack.enqueue(stack.submit(toy_files(main=SLEEPER), method="sleeper"))
    stack.job_ids.append(job_id)
    deadline = time.monotonic() + 120
    while not _containers(job_id, running_only=True):
        assert time.monotonic() < deadline, (stack.status(job_id), (stack.tmp / "worker.log").read_text()[-3000:])
        time.sleep(0.5)
    [container] = _containers(job_id)
    labels = subprocess.run(
        [*PODMAN, "inspect", "--format", "{{json .Config.Labels}}", container],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f":{first.pid}" in labels  # lb.worker = host:pid of the worker that ran it

    # Another worker starting meanwhile (a second GPU's, say) leaves a live worker's run alone.
    second = stack.start_worker()
    _wait_for_start_up_check(stack, second)
    assert _containers(job_id, running_only=True) == [container]
    assert stack.status(job_id)["status"] == "running"
    stack.kill(second)  # no live worker left whose sweep could reap before the next one starts

    stack.kill(first)  # SIGKILL to the worker and its process group: the podman client dies with it
    time.sleep(2)
    assert _containers(job_id, running_only=True) == [container], "the engine keeps running the submission"

    third = stack.start_worker()  # its start-up hook removes what the dead worker left
    deadline = time.monotonic() + 30  # Django's start, the sweep and the reap take a few seconds
    while _containers(job_id):
        assert time.monotonic() < deadline, (
            "the dead worker's container is still there",
            (stack.tmp / "worker.log").read_text()[-3000:],
        )
        time.sleep(0.5)
    assert "sandbox_container_reaped" in (stack.tmp / "worker.log").read_text()
    _wait_for_start_up_check(stack, third)


def _wait_for_start_up_check(stack, worker) -> None:
    """Until ``worker`` logged its start-up check of the engine's containers."""
    deadline = time.monotonic() + 60
    while True:
        lines = (stack.tmp / "worker.log").read_text().splitlines()
        if any("sandbox_containers_checked" in line and f':{worker.pid}"' in line for line in lines):
            return
        assert time.monotonic() < deadline and worker.poll() is None, "\n".join(lines[-30:])
        time.sleep(0.3)
