"""Worker tokens open the worker API and nothing else; user credentials do not open it; a token
claims only from its pools and fetches only its own job's files; a revoked token is refused."""

from __future__ import annotations

import pytest

from remote_workers.services import worker_token_revoke
from tests.remote_workers.conftest import claim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/me", "/api/jobs", "/api/submissions", "/api/tokens"])
def test_a_worker_token_cannot_call_user_endpoints(worker_for, path):
    worker = worker_for(["default"])
    assert worker.get(path).status_code == 401


@pytest.mark.parametrize("path", ["/api/worker/claim", "/api/worker/heartbeat"])
def test_a_user_token_cannot_call_worker_endpoints(as_alice, as_staff, path):
    for user in (as_alice, as_staff):
        response = user.post(path, {"wait_s": 0}, format="json")
        assert response.status_code == 401, response.content


def test_a_worker_claims_only_from_its_pools(worker_for, queued_job, gpu_pool):
    job = queued_job("small")  # the default pool
    gpu_worker = worker_for([gpu_pool])
    refused = claim(gpu_worker, pools=["default"])
    assert refused.status_code == 400 and refused.json()["error"] == "pool_not_allowed"
    assert claim(gpu_worker).status_code == 204  # the default pool's job is not offered
    job.refresh_from_db()
    assert job.status == "pending"

    gpu_job = queued_job("gpu")
    response = claim(gpu_worker)
    assert response.status_code == 200 and response.json()["job"] == str(gpu_job.pk)
    default_worker = worker_for(["default"])
    assert claim(default_worker).json()["job"] == str(job.pk)


def test_a_worker_fetches_only_its_own_jobs_files(worker_for, queued_job):
    first, second = queued_job(), queued_job()
    worker_a, worker_b = worker_for(["default"], host="a"), worker_for(["default"], host="b")
    claim_a, claim_b = claim(worker_a).json(), claim(worker_b).json()
    assert {claim_a["job"], claim_b["job"]} == {str(first.pk), str(second.pk)}

    assert worker_a.get(claim_a["urls"]["code"]).status_code == 200
    assert worker_b.get(claim_a["urls"]["code"]).status_code == 404  # a's URL, b's token
    assert worker_b.get(claim_a["urls"]["public"]).status_code == 404
    forged = claim_b["urls"]["code"].replace(claim_b["urls"]["code"][-5:], "xxxxx")
    assert worker_b.get(forged).status_code == 404
    # Same token, another worker process: still not its job.
    same_token_other_pid = worker_for(["default"], host="a")
    same_token_other_pid.credentials(
        HTTP_AUTHORIZATION=f"Bearer {worker_a.raw}", HTTP_X_WORKER_HOST="a", HTTP_X_WORKER_PID="8"
    )
    assert (
        same_token_other_pid.post(f"/api/worker/jobs/{claim_a['job']}/log", b"x", content_type="a/b").status_code == 404
    )


def test_a_signed_url_expires(worker_for, queued_job, settings):
    queued_job()
    worker = worker_for(["default"])
    url = claim(worker).json()["urls"]["code"]
    settings.LB_WORKER_URL_TTL_S = -1
    assert worker.get(url).status_code == 404


def test_a_revoked_token_is_refused_at_the_next_claim_and_heartbeat(worker_for, queued_job):
    worker = worker_for(["default"])
    assert claim(worker).status_code == 204
    worker_token_revoke(token=worker.token)
    assert claim(worker).status_code == 401
    assert worker.post("/api/worker/heartbeat", {}, format="json").status_code == 401


def test_a_worker_token_names_known_pools_only(db):
    from core.errors import InvalidInput
    from remote_workers.services import worker_token_issue

    with pytest.raises(InvalidInput):
        worker_token_issue(name="x", pools=["nope"])
    with pytest.raises(InvalidInput):
        worker_token_issue(name="x", pools=["scoring"])  # the scoring pool stays on the platform
