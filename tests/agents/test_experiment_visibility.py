"""``/api/experiments`` and ``/api/experiments/<id>`` against a real MLflow server: each caller gets the
runs of their own jobs and training runs and of jobs a shown board lists; staff get every run; an
experiment with nothing the caller may see is a 404."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import TrainingRun
from jobs.models import Job, JobStatus
from leaderboard.models import Entry
from phases.models import Phase
from submissions.models import Submission


@pytest.fixture
def runs(tracking, alice, bob):
    """One experiment: alice's job on a board that shows, alice's job on a hidden entry, bob's training run."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking)
    experiment = client.create_experiment(f"visibility-{uuid.uuid4().hex[:8]}")
    made = {}
    for name, method, hidden in (("shown", "shown-method", False), ("secret", "secret-method", True)):
        run = client.create_run(experiment, tags={"lb.user": "alice", "lb.method": method})
        client.log_metric(run.info.run_id, "accuracy", 0.9)
        submission = Submission.objects.create(
            owner=alice, benchmark="toy", method=method, sha256="0" * 64, size_bytes=1, archive="x.zip"
        )
        job = Job.objects.create(
            submission=submission,
            owner=alice,
            benchmark="toy",
            resource_class="small",
            status=JobStatus.COMPLETED,
            finished_at=timezone.now(),
            run_id=run.info.run_id,
            experiment_id=experiment,
        )
        client.set_tag(run.info.run_id, "lb.job_id", str(job.pk))
        Entry.objects.create(benchmark="toy", owner=alice, method=method, hidden=hidden)
        made[name] = run.info.run_id
    training = client.create_run(experiment, tags={"lb.training": "bob"})
    TrainingRun.objects.create(owner=bob, params={"algorithm": "ppo"}, mlflow_run_id=training.info.run_id)
    made["bobs_training"] = training.info.run_id
    made["experiment"] = experiment
    return made


def _run_ids(client, experiment) -> set[str] | int:
    response = client.get(f"/api/experiments/{experiment}")
    return {r["id"] for r in response.json()["runs"]} if response.status_code == 200 else response.status_code


def _listed(client, experiment) -> bool:
    return experiment in {e["id"] for e in client.get("/api/experiments").json()["results"]}


def test_each_caller_gets_the_runs_they_may_see(runs, anonymous, as_alice, as_bob, as_staff):
    experiment = runs["experiment"]
    assert _run_ids(anonymous, experiment) == {runs["shown"]}
    assert _run_ids(as_bob, experiment) == {runs["shown"], runs["bobs_training"]}
    assert _run_ids(as_alice, experiment) == {runs["shown"], runs["secret"]}
    assert _run_ids(as_staff, experiment) == {runs["shown"], runs["secret"], runs["bobs_training"]}
    assert all(_listed(client, experiment) for client in (anonymous, as_bob, as_alice, as_staff))


def test_a_hidden_board_hides_its_runs_and_then_the_experiment(runs, anonymous, as_bob, as_alice):
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="dark",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        board_visible=False,
    )
    experiment = runs["experiment"]
    assert _run_ids(anonymous, experiment) == 404 and not _listed(anonymous, experiment)
    assert _run_ids(as_bob, experiment) == {runs["bobs_training"]}  # his own run only
    assert _run_ids(as_alice, experiment) == {runs["shown"], runs["secret"]}
