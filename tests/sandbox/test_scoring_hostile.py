"""Hostile *output*: a submission that runs fine in the sandbox and then attacks the scorer,
which runs in the worker. Scoring runs in a limited child (jobs/scoring/isolated.py): an
ONNX policy that never answers and an ``.npz`` decompression bomb each fail their job as
the submission's fault within the limit, the worker's own memory stays where it was, and
the same worker completes the next job. Under bubblewrap and under the docker backend on
podman (run under ``flock /tmp/lb-podman.lock``): the isolation is the worker's, whichever
backend ran the submission."""

from __future__ import annotations

import re
import resource
import time

import pytest

from benchmarks import registry
from jobs import logs
from jobs.models import Job
from jobs.runner import execute
from jobs.scoring import datasets
from jobs.services import job_enqueue
from tests.conftest import toy_files, upload
from tests.sandbox.conftest import PODMAN

SCORING_TIMEOUT_S = 6
COPY_MAIN = """\
import argparse, shutil
parser = argparse.ArgumentParser(); parser.add_argument("--config"); parser.add_argument("--output")
args = parser.parse_args()
shutil.copy("data/{name}", args.output + "/{name}")
print("wrote {name}", flush=True)
"""
# The toy benchmark's right answers, with the standard library only (the docker backend's test image
# has the interpreter and nothing else).
PARITY_MAIN = """\
import argparse, json, os, pathlib
parser = argparse.ArgumentParser(); parser.add_argument("--config"); parser.add_argument("--output")
args = parser.parse_args()
numbers = json.loads(pathlib.Path(os.environ["LB_DATASET_DIR"], "numbers.json").read_text())
pathlib.Path(args.output, "predictions.json").write_text(json.dumps([n % 2 == 0 for n in numbers]))
"""
# Writes predictions.npz whose 'maps' is 2 GiB of zeros, 9 MiB compressed; its npy header is honest
# (shape x itemsize = the member's size), so only memory stops it. Standard library only (the
# docker backend's test image has no numpy).
BOMB_MAIN = r"""import argparse, struct, zipfile
parser = argparse.ArgumentParser(); parser.add_argument("--config"); parser.add_argument("--output")
args = parser.parse_args()


def npy(shape, descr, data=b""):
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


with zipfile.ZipFile(args.output + "/predictions.npz", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
    archive.writestr("ids.npy", npy((1,), "<U1", "x".encode("utf-32-le")))
    archive.writestr("scores.npy", npy((1,), "<f8", bytes(8)))
    with archive.open("maps.npy", "w", force_zip64=True) as member:
        member.write(npy((512, 1024, 1024), "<f4"))
        block = bytes(16 * 2**20)
        for _ in range(128):
            member.write(block)
print("wrote predictions.npz", flush=True)
"""


@pytest.fixture(params=["bubblewrap", "docker"])
def worker(request, settings, tracking, prepared_toy):
    """The in-process worker on one sandbox backend, with small scoring limits."""
    settings.LB_SANDBOX = request.param
    if request.param == "docker":
        settings.LB_SANDBOX_IMAGE = request.getfixturevalue("venv_sandbox_image")
        settings.LB_CONTAINER_CLI = PODMAN[0]
        settings.LB_CONTAINER_CLI_ARGS = " ".join(PODMAN[1:])
    settings.LB_SCORING_TIMEOUT_S = SCORING_TIMEOUT_S
    settings.LB_SCORING_MEMORY_MB = 512
    settings.LB_MAX_ATTEMPTS = 3  # a platform error would be retried: the job must fail at once
    return request.param


def _registered(benchmark):
    registry.register(benchmark)
    datasets.prepare(benchmark)
    return benchmark


@pytest.fixture
def maze():
    from benchmarks.maze.benchmark import MazeBenchmark

    yield _registered(
        MazeBenchmark(
            train_count=4, eval_count=4, episodes_per_maze=1, trajectory_pictures=0, eval_seed=11, split_seed=7
        )
    )
    registry.unregister("maze")


@pytest.fixture
def anomaly():
    from tests.benchmarks.anomaly.conftest import tiny_benchmark

    benchmark = tiny_benchmark()
    yield _registered(benchmark)
    registry.unregister(benchmark.slug)


def looping_policy() -> bytes:
    """A valid policy (obs [N, 25] -> action_scores [N, 4]) whose ``Loop`` runs 2**62 times."""
    from onnx import TensorProto as T
    from onnx import helper

    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Identity", ["v_in"], ["v_out"])],
        "body",
        [
            helper.make_tensor_value_info("i", T.INT64, []),
            helper.make_tensor_value_info("cond_in", T.BOOL, []),
            helper.make_tensor_value_info("v_in", T.FLOAT, ["N", 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", T.BOOL, []),
            helper.make_tensor_value_info("v_out", T.FLOAT, ["N", 4]),
        ],
    )
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["obs", "W"], ["x"]),
            helper.make_node("Loop", ["trip", "cond", "x"], ["action_scores"], body=body),
        ],
        "spin",
        [helper.make_tensor_value_info("obs", T.FLOAT, ["N", 25])],
        [helper.make_tensor_value_info("action_scores", T.FLOAT, ["N", 4])],
        initializer=[
            helper.make_tensor("W", T.FLOAT, [25, 4], [0.0] * 100),
            helper.make_tensor("trip", T.INT64, [], [2**62]),
            helper.make_tensor("cond", T.BOOL, [], [True]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


def _job(client, owner, benchmark: str, files: dict) -> Job:
    response = upload(client, files, benchmark=benchmark, method="hostile")
    assert response.status_code == 201, response.json()
    job, _ = job_enqueue(owner=owner, submission_id=response.json()["id"])
    return job


def _run_seconds(job: Job) -> float:
    found = re.search(r"run ended: ok after ([0-9.]+) s", logs.read_chunk(job.pk).text)
    assert found, logs.read_chunk(job.pk).text
    return float(found.group(1))


def _next_job_completes(as_alice, alice) -> None:
    job = _job(as_alice, alice, "toy", toy_files(main=PARITY_MAIN))
    outcome = execute(str(job.pk))
    job.refresh_from_db()
    assert outcome == "completed" and job.metrics["accuracy"] == 1.0, job.error


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")  # without the limits the worker would hang here
def test_a_policy_that_never_answers_fails_the_job_within_the_timeout(worker, maze, as_alice, alice):
    job = _job(
        as_alice,
        alice,
        "maze",
        {
            "main.py": COPY_MAIN.format(name="policy.onnx"),
            "config.yaml": "a: 1\n",
            "data/policy.onnx": looping_policy(),
        },
    )
    started = time.monotonic()
    assert execute(str(job.pk)) == "failed"
    elapsed = time.monotonic() - started

    job.refresh_from_db()
    assert job.failure_kind == "submission" and job.attempts == 1, job.error
    assert f"scoring stopped after {SCORING_TIMEOUT_S} s" in job.error and "did not finish in time" in job.error
    assert elapsed < _run_seconds(job) + SCORING_TIMEOUT_S + 30
    _next_job_completes(as_alice, alice)


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_an_npz_decompression_bomb_fails_the_job_and_spares_the_workers_memory(worker, anomaly, as_alice, alice):
    job = _job(as_alice, alice, anomaly.slug, {"main.py": BOMB_MAIN, "config.yaml": "a: 1\n"})
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    started = time.monotonic()
    assert execute(str(job.pk)) == "failed"
    elapsed = time.monotonic() - started

    job.refresh_from_db()
    assert job.failure_kind == "submission" and job.attempts == 1, job.error
    assert "predictions.npz" in job.error and "memory" in job.error, job.error
    assert elapsed < _run_seconds(job) + SCORING_TIMEOUT_S + 30
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 256, f"the worker's own peak memory grew by {grown_mib:.0f} MiB"
    _next_job_completes(as_alice, alice)
