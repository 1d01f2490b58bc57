"""The episode log, read: GET /api/episodes and /agents/episodes/ give staff the success rate and mean
steps by model, maze and period; nobody else gets them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import EpisodeLog
from agents.services import episode_log


@pytest.fixture
def logged(demo_model, depth_first_model):
    for steps, success in ((10, True), (20, True), (200, False)):
        episode_log(model_id=demo_model.id, maze_id="train-0000", steps=steps, success=success, total_reward=1.0)
    episode_log(model_id=depth_first_model.id, maze_id="train-0000", steps=30, success=True, total_reward=0.5)
    old = episode_log(model_id=demo_model.id, maze_id="train-0001", steps=50, success=False, total_reward=-1.0)
    EpisodeLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    return demo_model, depth_first_model


def test_staff_read_success_rate_and_mean_steps(as_staff, logged):
    demo, dfs = logged
    rows = as_staff.get("/api/episodes?bucket=day").json()["results"]
    by_key = {(row["model_id"], row["maze_id"]): row for row in rows}
    assert set(by_key) == {(demo.id, "train-0000"), (dfs.id, "train-0000"), (demo.id, "train-0001")}
    today = by_key[(demo.id, "train-0000")]
    assert (today["episodes"], today["successes"]) == (3, 2)
    assert today["success_rate"] == pytest.approx(2 / 3) and today["mean_steps"] == pytest.approx(230 / 3)
    assert today["model"] == f"{demo.name} v{demo.version}"
    assert rows[-1]["maze_id"] == "train-0001"  # newest period first
    one_day = as_staff.get(f"/api/episodes?days=1&model={demo.id}").json()["results"]
    assert [(row["model_id"], row["maze_id"]) for row in one_day] == [(demo.id, "train-0000")]
    assert as_staff.get("/api/episodes?bucket=year").status_code == 400


def test_the_staff_page_shows_the_same_numbers(client, staff, logged):
    client.force_login(staff)
    page = client.get("/agents/episodes/").content.decode()
    assert 'id="episode-stats"' in page and "0.667" in page and "76.7" in page


def test_others_are_refused(as_alice, anonymous, client, alice, logged):
    assert as_alice.get("/api/episodes").status_code == 403
    assert anonymous.get("/api/episodes").status_code == 401
    client.force_login(alice)
    assert client.get("/agents/episodes/").status_code == 302  # to the admin's sign-in
