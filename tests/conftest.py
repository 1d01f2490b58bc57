"""Fixtures shared by the whole suite: named users with real tokens, a real
MLflow server, and toy submissions that go through the real upload path."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent

TOY_MAIN = """\
import argparse, json, os, pathlib, yaml
parser = argparse.ArgumentParser()
parser.add_argument("--config"); parser.add_argument("--output")
args = parser.parse_args()
config = yaml.safe_load(open(args.config))
numbers = json.loads(pathlib.Path(os.environ["LB_DATASET_DIR"], "numbers.json").read_text())
print("numbers:", len(numbers), "flip:", config.get("flip", 0), flush=True)
answers = [n % 2 == 0 for n in numbers]
for i in range(config.get("flip", 0)):
    answers[i] = not answers[i]
pathlib.Path(args.output, "predictions.json").write_text(json.dumps(answers))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """A real MLflow tracking server (SQLite backend, local artifacts)."""
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{root}/mlflow.db",
            "--artifacts-destination",
            str(root / "artifacts"),
            "--workers",
            "1",
        ],
        stdout=open(root / "server.log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/health", timeout=90, process=process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def tracking(settings, mlflow_server):
    settings.MLFLOW_TRACKING_URI = mlflow_server
    settings.MLFLOW_UI_URL = mlflow_server
    return mlflow_server


@pytest.fixture(scope="session")
def prepared_toy(django_db_setup, django_db_blocker):
    from benchmarks import registry
    from jobs.scoring import datasets

    benchmark = registry.get("toy")
    datasets.prepare(benchmark)
    return benchmark


def _user_with_token(username: str, *, staff: bool = False):
    from accounts.services import token_issue, user_get_or_create

    user = user_get_or_create(username=username)
    if staff:
        user.is_staff = user.is_superuser = True
        user.save()
    _, raw = token_issue(user=user, name="tests")
    user.raw_token = raw
    return user


@pytest.fixture
def alice(db):
    return _user_with_token("alice")


@pytest.fixture
def bob(db):
    return _user_with_token("bob")


@pytest.fixture
def staff(db):
    return _user_with_token("staff", staff=True)


@pytest.fixture
def live_worker(db):
    """Register a worker record (fresh heartbeat) serving ``pools``; returns the record."""
    from fleet.services import worker_register

    def register(*, pools: list[str], name: str = "host-a:101", gpus: list | None = None):
        host, _, pid = name.partition(":")
        return worker_register(
            name=name, host=host, pid=int(pid), version="test", pools=pools, gpus=gpus or [], gpu_status="no GPU (test)"
        )

    return register


def client_for(user=None):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {user.raw_token}")
    return client


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


@pytest.fixture
def as_staff(staff):
    return client_for(staff)


@pytest.fixture
def anonymous():
    return client_for(None)


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def toy_files(*, main: str = TOY_MAIN, config: str = "flip: 0\n", extra: dict | None = None) -> dict:
    return {"main.py": main, "config.yaml": config, **(extra or {})}


def upload(client, files: dict | None = None, *, benchmark="toy", method="parity", archive_name="sub.zip", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = zip_bytes(files if files is not None else toy_files())
    payload = {
        "benchmark": benchmark,
        "method": method,
        **fields,
        "archive": SimpleUploadedFile(archive_name, data, content_type="application/zip"),
    }
    return client.post("/api/submissions", payload, format="multipart")


@pytest.fixture
def submit():
    return upload


@pytest.fixture(autouse=True)
def _no_ratelimit_by_default(settings, request):
    # Rate-limit tests switch it back on; elsewhere the shared cache would
    # carry counts from one test into the next.
    if "ratelimit" not in request.keywords:
        settings.LB_RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _fresh_live_pools_memo():
    # The waiting reason's per-process memo of live pools must not carry one test's workers into the next.
    from fleet.selectors import forget_live_pools

    forget_live_pools()
    yield
    forget_live_pools()


@pytest.fixture(autouse=True)
def _fresh_boards():
    # Cached boards outlive a test's rolled-back database in the shared cache: start each test with none.
    from django.core.cache import caches

    from benchmarks import registry
    from core.disk_cache import PersistentDiskCache
    from leaderboard.board_cache import forget_boards

    # An entry written under time_machine expires in the travelled-to past, and DiskCache's delete
    # skips expired rows: a later test travelling to the same moment would read it again. Purge them.
    if isinstance(caches["default"], PersistentDiskCache):
        caches["default"].expire()
    for benchmark in registry.all_benchmarks():
        forget_boards(benchmark.slug)
    yield


# Fixtures that build or run podman images (tests/sandbox/conftest.py, tests/test_images.py).
PODMAN_FIXTURES = frozenset({"podman_sandbox", "venv_sandbox_image", "built_images"})


def _uses_podman(item) -> bool:
    if PODMAN_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "docker" in callspec.params.values()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):
    # Under xdist (--dist loadgroup, scripts/test.sh) a module's tests run on one worker: its module-scoped
    # fixtures (a web tier, a stack) start once, not once per worker. Every podman test runs on one worker
    # too: the sandbox images are built once, and container runs do not compete with each other.
    for item in items:
        group = "podman" if _uses_podman(item) else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


class _SlowModulesFirst:
    @pytest.hookimpl(trylast=True)  # after pytest-django's reordering, which would undo this order
    def pytest_collection_modifyitems(self, items):
        # Under xdist, slow modules first (scripts/test.sh passes --no-loadscope-reorder, so groups go out in
        # this order): a stack or browser module that starts last leaves the other workers idle while it runs.
        # Whole modules move, so a module's tests stay together and its module-scoped fixtures start once.
        # In one process the order stays pytest-django's.
        if not os.environ.get("PYTEST_XDIST_WORKER"):
            return
        slow_modules = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("slow")}
        items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in slow_modules)


def pytest_configure(config):
    config.pluginmanager.register(_SlowModulesFirst(), "lb-slow-modules-first")
    config.addinivalue_line("markers", "ratelimit: keeps the request-rate throttles enabled")
    os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")
