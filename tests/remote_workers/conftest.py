"""Worker tokens and clients for the worker API, and jobs to claim (in-process)."""

from __future__ import annotations

import copy

import pytest
from rest_framework.test import APIClient

from jobs.services import job_enqueue
from tests.conftest import toy_files


@pytest.fixture
def gpu_pool(settings):
    """A second pool, ``gpu``, served by the class ``gpu``."""
    classes = copy.deepcopy(settings.LB_RESOURCE_CLASSES)
    classes["gpu"] = {**classes["small"], "pool": "gpu"}
    settings.LB_RESOURCE_CLASSES = classes
    settings.LB_POOLS = sorted(set(settings.LB_POOLS) | {"gpu"})
    return "gpu"


@pytest.fixture
def worker_for(db):
    """worker_for(pools, host=...) -> an APIClient holding a new worker token (``.token``, ``.raw``)."""
    from remote_workers.services import worker_token_issue

    def make(pools: list[str], *, host: str = "gpu-host", pid: int = 7) -> APIClient:
        token, raw = worker_token_issue(name=f"{host} test", pools=pools)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_WORKER_HOST=host, HTTP_X_WORKER_PID=str(pid))
        client.token, client.raw = token, raw
        return client

    return make


@pytest.fixture
def queued_job(alice, as_alice, submit, prepared_toy, django_capture_on_commit_callbacks):
    """queued_job(resource_class="small", files=None): a pending job with its message on its pool's queue."""

    def make(resource_class: str = "small", files: dict | None = None):
        response = submit(as_alice, files or toy_files())
        assert response.status_code == 201, response.json()
        with django_capture_on_commit_callbacks(execute=True):
            job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"], resource_class=resource_class)
        return job

    return make


def claim(client: APIClient, **body):
    return client.post("/api/worker/claim", {"wait_s": 0, **body}, format="json")
