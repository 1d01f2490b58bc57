"""Who sees a policy: its owner and staff; everyone once the owner publishes it or staff make it a
baseline. The API list and detail, the viewer's model list, ``/ws/inference`` and the job page agree."""

from __future__ import annotations

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from agents.models import AgentModel, ModelSource
from agents.services import model_register


@pytest.fixture
def job_policy(db, alice, demo_model):
    """The unpublished policy one of alice's maze jobs registered (what ``model_register_from_job`` makes)."""
    from benchmarks.maze import demo_policy_path

    return model_register(
        path=demo_policy_path(),
        name="job-alice",
        source=ModelSource.JOB,
        source_ref="7f9d2f0e-0000-4000-8000-000000000001",
        created_by=alice,
    )


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {m["id"] for m in response.json()["results"]}


def test_an_unpublished_policy_is_its_owners_and_staffs_only(
    job_policy, demo_model, as_alice, as_bob, as_staff, anonymous
):
    assert job_policy.published is False and job_policy.baseline is False
    assert demo_model.baseline is True  # the shipped demo is a baseline: public
    for client in (anonymous, as_bob):
        assert _ids(client.get("/api/models")) == {demo_model.id}
        assert _ids(client.get("/api/models?archived=1")) == {demo_model.id}
        assert _ids(client.get(f"/api/models?job={job_policy.source_ref}")) == set()
        missing = client.get(f"/api/models/{job_policy.id}")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    for client in (as_alice, as_staff):
        assert _ids(client.get("/api/models")) == {demo_model.id, job_policy.id}
        assert _ids(client.get(f"/api/models?job={job_policy.source_ref}")) == {job_policy.id}
        assert client.get(f"/api/models/{job_policy.id}").json()["published"] is False


def test_publishing_makes_it_everyones_and_withdrawing_takes_it_back(job_policy, as_alice, as_bob, anonymous):
    url = f"/api/models/{job_policy.id}/publish"
    assert anonymous.post(url, {}, format="json").status_code in (401, 403)
    assert as_bob.post(url, {}, format="json").status_code == 404  # not his, not visible: no such policy
    published = as_alice.post(url, {}, format="json")
    assert published.status_code == 200 and published.json()["published"] is True
    assert job_policy.id in _ids(anonymous.get("/api/models"))
    assert anonymous.get(f"/api/models/{job_policy.id}").status_code == 200
    refused = as_bob.post(url, {"published": False}, format="json")  # visible now, still not his
    assert refused.status_code == 403 and refused.json()["error"] == "permission_denied"
    assert as_alice.post(url, {"published": False}, format="json").json()["published"] is False
    assert job_policy.id not in _ids(anonymous.get("/api/models"))


def test_staff_make_a_baseline_and_only_public_policies_become_the_default(job_policy, as_staff, as_alice, anonymous):
    activate = as_staff.post("/api/models/active", {"id": job_policy.id}, format="json")
    assert activate.status_code == 409 and "private" in activate.json()["detail"]
    assert as_alice.patch(f"/api/models/{job_policy.id}", {"baseline": True}, format="json").status_code == 403
    made = as_staff.patch(f"/api/models/{job_policy.id}", {"baseline": True}, format="json")
    assert made.status_code == 200 and made.json()["baseline"] is True
    assert job_policy.id in _ids(anonymous.get("/api/models"))
    assert as_staff.post("/api/models/active", {"id": job_policy.id}, format="json").status_code == 200
    # The active policy stays public: neither its baseline nor (once published) its publication can go.
    taken_back = as_staff.patch(f"/api/models/{job_policy.id}", {"baseline": False}, format="json")
    assert taken_back.status_code == 409
    assert AgentModel.objects.get(pk=job_policy.id).baseline is True


def test_the_viewer_lists_and_replays_only_what_the_user_may_see(job_policy, demo_model, alice, bob):
    def viewer(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get("/agents/").content.decode()

    option = f'<option value="{job_policy.id}"'
    assert option not in viewer(None) and option not in viewer(bob)
    assert option in viewer(alice) and f'<option value="{demo_model.id}"' in viewer(None)


@pytest.mark.django_db(transaction=True)
def test_the_inference_socket_refuses_someone_elses_private_policy(job_policy, alice, bob):
    from config.asgi import application

    def cookie(user):
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    async def first_frame(user_cookie):
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        if user_cookie:
            headers.append((b"cookie", user_cookie))
        ws = WebsocketCommunicator(application, f"/ws/inference?model={job_policy.id}&autoplay=0", headers=headers)
        assert (await ws.connect())[0]
        frame = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return frame

    frames = {
        who: asyncio.run(first_frame(c))
        for who, c in (("anonymous", None), ("bob", cookie(bob)), ("alice", cookie(alice)))
    }
    assert frames["anonymous"]["error"] == "not_found" and frames["bob"]["error"] == "not_found"
    assert frames["alice"]["type"] == "episode" and frames["alice"]["model"]["id"] == job_policy.id


def test_the_job_page_offers_publish_to_the_owner_only(client, alice, bob, staff, make_public_maze_job):
    job, model = make_public_maze_job()
    client.force_login(alice)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="publish-form"' in page and f'href="/agents/?model={model.pk}"' in page
    response = client.post(f"/agents/models/{model.pk}/publish", {"published": "on", "next": f"/jobs/{job.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    model.refresh_from_db()
    assert model.published is True
    client.force_login(bob)  # the job is on a shown board: bob sees its page, and now its replay, not the form
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="publish-form"' not in page and f'href="/agents/?model={model.pk}"' in page
    client.post(f"/agents/models/{model.pk}/publish", {"next": "/"})  # bob cannot withdraw it
    model.refresh_from_db()
    assert model.published is True
    client.force_login(alice)
    client.post(f"/agents/models/{model.pk}/publish", {"next": "/"})  # unchecked: withdrawn
    model.refresh_from_db()
    assert model.published is False
    client.force_login(bob)
    assert f'href="/agents/?model={model.pk}"' not in client.get(f"/jobs/{job.pk}/").content.decode()


@pytest.fixture
def make_public_maze_job(alice, demo_model):
    """A completed maze job of alice's on a shown board, with the policy it registered."""
    from django.utils import timezone

    from benchmarks.maze import demo_policy_path
    from jobs.models import Job, JobStatus
    from leaderboard.models import Entry
    from submissions.models import Submission

    def make():
        submission = Submission.objects.create(
            owner=alice, benchmark="maze", method="ppo-a", sha256="0" * 64, size_bytes=1, archive="x.zip"
        )
        job = Job.objects.create(
            submission=submission,
            owner=alice,
            benchmark="maze",
            resource_class="small",
            status=JobStatus.COMPLETED,
            finished_at=timezone.now(),
            metrics={"success_rate": 0.5},
        )
        Entry.objects.create(benchmark="maze", owner=alice, method="ppo-a")
        model = model_register(
            path=demo_policy_path(),
            name=f"job-{str(job.pk)[:8]}",
            source=ModelSource.JOB,
            source_ref=str(job.pk),
            created_by=alice,
        )
        return job, model

    return make
