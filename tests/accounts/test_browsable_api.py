"""The browsable API with a browser session: an API root at /api/, a login link for
anonymous visitors, and a signed-in user's own jobs only."""

from __future__ import annotations

import pytest

from jobs.services import job_enqueue


@pytest.fixture
def two_jobs(alice, bob, as_alice, as_bob, submit, prepared_toy, settings):
    settings.HUEY = {**settings.HUEY, "immediate": False}
    ids = {}
    for user, client in ((alice, as_alice), (bob, as_bob)):
        submission = submit(client, method=f"{user.username}-method").json()["id"]
        ids[user.username] = str(job_enqueue(owner=user, submission_id=submission)[0].pk)
    return ids


def test_api_root_lists_resources(client, db):
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert {"jobs", "submissions", "tokens", "leaderboard", "benchmarks", "docs"} <= set(response.json())


def test_anonymous_visitor_gets_the_login_link(client, db):
    response = client.get("/api/jobs", HTTP_ACCEPT="text/html")
    assert response.status_code in (401, 403)
    assert b'href="/accounts/login/?next=/api/jobs"' in response.content


def test_session_user_sees_only_their_own_jobs(client, alice, two_jobs):
    client.force_login(alice)
    page = client.get("/api/jobs", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert two_jobs["alice"].encode() in page.content and two_jobs["bob"].encode() not in page.content
    assert b"Sign out" in page.content or b"alice" in page.content
