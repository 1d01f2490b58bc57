"""My jobs (own only, newest first, paginated, filtered; cancel and re-run) and the job
page (owner and staff; others only for a completed job of a public entry, without logs)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.services import job_enqueue
from leaderboard.models import Entry


@pytest.fixture
def make_job(submit, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100

    def make(user, client, method="m", **fields):
        submission = submit(client, method=method).json()["id"]
        job = job_enqueue(owner=user, submission_id=submission)[0]
        if fields:
            Job.objects.filter(pk=job.pk).update(**fields)
            job.refresh_from_db()
        return job

    return make


def test_my_jobs_lists_own_jobs_newest_first_with_filters_and_pages(client, alice, bob, as_alice, as_bob, make_job):
    mine = [make_job(alice, as_alice, method=f"m{i}") for i in range(23)]
    Job.objects.filter(pk=mine[0].pk).update(status=JobStatus.FAILED, error="boom")
    theirs = make_job(bob, as_bob, method="bobs")
    client.force_login(alice)
    first = client.get("/jobs/")
    rows = [str(job.pk) for job in first.context["page"]]
    assert rows == [str(job.pk) for job in reversed(mine)][:20]
    assert str(theirs.pk).encode() not in first.content
    second = client.get("/jobs/?page=2")
    assert [str(job.pk) for job in second.context["page"]] == [str(j.pk) for j in reversed(mine)][20:]
    failed = client.get("/jobs/?status=failed")
    assert [str(job.pk) for job in failed.context["page"]] == [str(mine[0].pk)]
    assert list(client.get("/jobs/?benchmark=maze").context["page"]) == []


def test_cancel_and_rerun_from_the_pages(client, alice, as_alice, make_job):
    job = make_job(alice, as_alice)
    client.force_login(alice)
    assert client.post(f"/jobs/{job.pk}/cancel", {"next": "/jobs/"})["Location"] == "/jobs/"
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    again = client.post(f"/jobs/{job.pk}/rerun")
    new = Job.objects.exclude(pk=job.pk).get()
    assert again["Location"] == f"/jobs/{new.pk}/"
    assert new.submission_id == job.submission_id and new.owner_id == alice.pk and new.status == JobStatus.PENDING


def test_others_cannot_cancel_or_see_a_running_job(client, alice, bob, as_alice, make_job):
    job = make_job(alice, as_alice)
    client.force_login(bob)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    client.post(f"/jobs/{job.pk}/cancel")
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING
    client.logout()
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_completed_public_job_is_public_without_its_log(client, alice, as_alice, make_job):
    job = make_job(
        alice,
        as_alice,
        method="shown",
        status=JobStatus.COMPLETED,
        finished_at=timezone.now(),
        metrics={"accuracy": 0.9, "errors": 2.0},
        primary_ci_low=0.8,
        primary_ci_high=0.95,
    )
    entry = Entry.objects.create(benchmark="toy", owner=alice, method="shown")
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    assert b"0.9" in page.content and b"0.8" in page.content and b'id="job-log"' not in page.content
    entry.hidden = True
    entry.save()
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    entry.hidden = False
    entry.save()
    from datetime import timedelta

    from phases.models import Phase

    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="blind",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        board_visible=False,
    )
    assert client.get(f"/jobs/{job.pk}/").status_code == 404  # the phase hides its board until it ends
    client.force_login(alice)
    owner_view = client.get(f"/jobs/{job.pk}/")
    assert owner_view.status_code == 200 and b'id="job-log"' in owner_view.content


def test_pictures_without_a_run_are_an_empty_list(client, alice, as_alice, make_job):
    job = make_job(alice, as_alice)
    client.force_login(alice)
    assert client.get(f"/jobs/{job.pk}/pictures").json() == {"pictures": []}
    assert client.get(f"/jobs/{job.pk}/pictures/scorer/../../etc/passwd.png").status_code == 404


def test_job_page_links_the_replay_of_the_policy_it_registered(client, alice, as_alice, make_job):
    from agents.models import AgentModel

    job = make_job(alice, as_alice, status=JobStatus.COMPLETED, finished_at=timezone.now())
    client.force_login(alice)
    assert b"Replay this policy" not in client.get(f"/jobs/{job.pk}/").content
    model = AgentModel.objects.create(
        name="m", version=1, source="job", source_ref=str(job.pk), file="m.onnx", sha256="0" * 64, created_by=alice
    )  # the job's owner, as registration sets
    assert f'href="/agents/?model={model.pk}"'.encode() in client.get(f"/jobs/{job.pk}/").content
    viewer = client.get(f"/agents/?model={model.pk}").content.decode()
    assert f'<option value="{model.pk}" selected>' in viewer
