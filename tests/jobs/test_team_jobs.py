"""A team of two submits: both members see the team's job, and its limits are the team's, shared."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jobs.models import Job
from phases.models import Phase
from teams.services import team_accept, team_create, team_invite


@pytest.fixture
def team(alice, bob):
    team = team_create(user=alice, name="Pair")
    team_accept(user=bob, invitation_id=team_invite(actor=alice, team_id=team.pk, username="bob").pk)
    return team


def _submit(client, team=None, method="m"):
    from tests.conftest import upload

    fields = {"team": team.pk} if team is not None else {}
    response = upload(client, method=method, **fields)
    assert response.status_code == 201, response.content
    return client.post("/api/jobs", {"submission": response.json()["id"]}, format="json")


def test_a_team_of_two_submits_and_both_see_the_job(team, as_alice, as_bob, bob, as_staff, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 10
    response = _submit(as_alice, team)
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.team_id == team.pk and job.owner.username == "alice"
    assert as_bob.get(f"/api/jobs/{job.pk}/status").status_code == 200
    results = as_bob.get(f"/api/jobs/{job.pk}/results")  # 409 "not completed yet": seen, not hidden
    assert results.status_code == 409 and results.json()["error"] != "not_found"
    assert str(job.pk) in [row["id"] for row in as_bob.get("/api/jobs").json()["results"]]
    page = Client()
    page.force_login(bob)
    assert page.get(f"/jobs/{job.pk}/").status_code == 200
    from tests.conftest import _user_with_token, client_for

    carol = client_for(_user_with_token("carol"))  # in no team: the job is not hers
    assert carol.get(f"/api/jobs/{job.pk}/status").status_code == 404


def test_a_non_member_cannot_submit_as_the_team(team, django_user_model, prepared_toy):
    from tests.conftest import _user_with_token, client_for, upload

    carol = client_for(_user_with_token("carol"))
    response = upload(carol, team=team.pk)
    assert response.status_code == 404 and response.json()["error"] == "not_in_team"


def test_the_team_shares_one_active_job_quota(team, as_alice, as_bob, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 1
    assert _submit(as_alice, team).status_code == 201
    refused = _submit(as_bob, team)
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_active_jobs"
    assert _submit(as_bob).status_code == 201  # bob's own quota is his


def test_the_team_shares_a_phase_total(team, as_alice, as_bob, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 10
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="Final", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1), max_total=2
    )
    assert _submit(as_alice, team).status_code == 201
    assert _submit(as_bob, team).status_code == 201
    refused = _submit(as_alice, team)
    assert refused.status_code == 409 and refused.json()["error"] == "phase_total_limit"


def test_a_second_team_cannot_reset_a_phase_limit(team, alice, as_alice, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 10
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="Final", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1), max_total=1
    )
    assert _submit(as_alice, team).status_code == 201
    second = team_create(user=alice, name="Second")  # a fresh team, with a fresh limit
    refused = _submit(as_alice, second, method="other")
    assert refused.status_code == 409 and refused.json()["error"] == "phase_team_locked"
    alone = _submit(as_alice, None, method="other")  # nor does submitting alone
    assert alone.status_code == 409 and alone.json()["error"] == "phase_team_locked"


def test_one_team_per_person_in_a_configured_phase_even_without_limits(team, alice, as_alice, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 10
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="Open", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    assert _submit(as_alice, team).status_code == 201
    refused = _submit(as_alice, team_create(user=alice, name="Farm"), method="other")  # a second team's quota
    assert refused.status_code == 409 and refused.json()["error"] == "phase_team_locked"
    assert _submit(as_alice, team, method="again").status_code == 201  # the first team is still hers
