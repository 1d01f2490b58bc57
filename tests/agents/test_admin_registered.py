"""Staff find the agents models in Django admin, with their filters; the episode log is read-only."""

from __future__ import annotations

from agents.models import TrainingRun
from agents.services import episode_log


def test_agents_models_in_admin_with_filters(client, staff, alice, demo_model):
    episode_log(model_id=demo_model.id, maze_id="train-0000", steps=12, success=True, total_reward=1.0)
    TrainingRun.objects.create(owner=alice, params={"algorithm": "ppo"})
    client.force_login(staff)
    for path, filtered in (
        ("/admin/agents/agentmodel/", "?source__exact=demo&active__exact=1"),
        ("/admin/agents/trainingrun/", "?status__exact=queued"),
        ("/admin/agents/episodelog/", "?success__exact=1"),
    ):
        page = client.get(path + filtered)
        assert page.status_code == 200, path
        assert 'id="changelist-filter"' in page.content.decode(), path  # the filter sidebar
        assert "0 results" not in page.content.decode() and "(0 total)" not in page.content.decode(), path
    assert client.get("/admin/agents/episodelog/add/").status_code == 403


def test_not_for_participants(client, alice):
    client.force_login(alice)
    assert client.get("/admin/agents/agentmodel/").status_code == 302
