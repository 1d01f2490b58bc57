"""``lb publish JOB`` over real HTTP (a live server): the owner publishes and withdraws the policy their
maze job registered; someone else gets a one-line error and exit status 2."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "cli"))  # this checkout's client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job_policy(alice, settings, tmp_path):
    from agents.models import ModelSource
    from agents.services import model_register
    from benchmarks.maze import demo_policy_path

    settings.LB_MODELS_DIR = tmp_path / "models"
    job_id = "5b0c7a52-1d2e-4f00-9a6b-000000000042"
    return job_id, model_register(
        path=demo_policy_path(), name="job-5b0c7a52", source=ModelSource.JOB, source_ref=job_id, created_by=alice
    )


def lb(live_server, tmp_path, user, *args):
    from lb_cli.main import app

    env = {"LB_URL": live_server.url, "LB_TOKEN": user.raw_token, "LB_CONFIG": str(tmp_path / "none.json")}
    return CliRunner().invoke(app, list(args), env=env)


def test_lb_publish_and_withdraw(live_server, tmp_path, alice, bob, job_policy):
    job_id, model = job_policy
    refused = lb(live_server, tmp_path, bob, "publish", job_id)
    assert refused.exit_code == 2 and "error: no_policy:" in refused.output
    published = lb(live_server, tmp_path, alice, "publish", job_id)
    assert published.exit_code == 0, published.output
    assert f"(model {model.pk}) of job {job_id} is published" in published.output
    model.refresh_from_db()
    assert model.published is True
    denied = lb(live_server, tmp_path, bob, "publish", job_id, "--withdraw")  # visible now, still not his
    assert denied.exit_code == 2 and "error: permission_denied:" in denied.output
    withdrawn = lb(live_server, tmp_path, alice, "publish", job_id, "--withdraw")
    assert withdrawn.exit_code == 0 and "is private" in withdrawn.output
    model.refresh_from_db()
    assert model.published is False
