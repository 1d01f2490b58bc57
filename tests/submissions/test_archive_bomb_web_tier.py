"""Through the production web tier (scripts/serve.sh): a 4 MiB .tar.gz declaring a 2 GiB GNU long
name is refused with a 400 and a code, and the gunicorn worker's peak memory (VmHWM) stays within
100 MiB of what it was idle. tarfile alone would read the whole name into the worker's memory."""

from __future__ import annotations

import io
import tarfile

import psutil
import pytest
import requests

from tests.conftest import toy_files
from tests.submissions import bombs
from tests.support.webtier import start_web_tier

HEADROOM = 100 * 2**20


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    tier = start_web_tier(tmp_path_factory.mktemp("tier"), LB_WEB_WORKERS="1")
    yield tier
    tier.stop()


def _workers(tier) -> list[psutil.Process]:
    """The gunicorn workers: gunicorn processes whose parent is the gunicorn master."""
    found = []
    for child in psutil.Process(tier.process.pid).children(recursive=True):
        try:
            if "gunicorn" in " ".join(child.cmdline()) and "gunicorn" in " ".join(child.parent().cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    assert found, "no gunicorn worker found under serve.sh"
    return found


def _peak_bytes(process: psutil.Process) -> int:
    for line in open(f"/proc/{process.pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _post(tier, payload: bytes, name: str) -> requests.Response:
    return requests.post(
        f"{tier.url}/api/submissions",
        headers={"Authorization": f"Bearer {tier.token}"},
        data={"benchmark": "toy", "method": "bomb"},
        timeout=120,
        files={"archive": (name, payload, "application/gzip")},
    )


def _toy_tar_gz() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, content in toy_files().items():
            info = tarfile.TarInfo(path)
            info.size = len(content.encode())
            archive.addfile(info, io.BytesIO(content.encode()))
    return buffer.getvalue()


def test_a_long_name_bomb_is_refused_in_bounded_worker_memory(tier):
    # Warm the worker on a good tar.gz upload first: imports and caches count as idle.
    assert _post(tier, _toy_tar_gz(), "ok.tar.gz").status_code == 201
    workers = _workers(tier)
    idle = {worker.pid: _peak_bytes(worker) for worker in workers}
    payload = bombs.long_name_bomb()
    assert len(payload) <= 4 * 2**20
    response = _post(tier, payload, "bomb.tar.gz")
    assert response.status_code == 400, response.text[:300]
    assert response.json()["error"] == "header_too_large"
    for worker in workers:
        assert worker.is_running(), "the worker died (killed for memory?)"
        grown = _peak_bytes(worker) - idle[worker.pid]
        assert grown < HEADROOM, f"worker {worker.pid} peaked {grown / 2**20:.0f} MiB above idle"
