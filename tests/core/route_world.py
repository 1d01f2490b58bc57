"""The seeded world of tests/core/test_route_visibility.py: alice's private objects on a hidden board,
for every persona to be tried against. A fixture module, imported by that test (not collected itself)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def world(alice, bob, staff, tracking, settings, tmp_path):
    """alice's private world on a running phase that hides its board: a completed job (with an MLflow
    run holding a picture), its entry, the unpublished policy it registered, a pending job, a training
    run and a second token."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from mlflow.tracking import MlflowClient

    from accounts.services import token_issue
    from agents.models import ModelSource, TrainingRun
    from agents.services import demo_model_ensure, model_register
    from benchmarks.maze import demo_policy_path
    from jobs.models import Job, JobStatus
    from leaderboard.models import Entry
    from phases.models import Phase
    from submissions.models import Submission
    from teams.services import team_create, team_invite

    settings.LB_MODELS_DIR = tmp_path / "models"
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    demo_model_ensure()  # the viewer's active policy, a public baseline
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="hidden",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        board_visible=False,
    )
    method = f"secret-{uuid.uuid4().hex[:8]}"
    stored = default_storage.save(f"routes-{uuid.uuid4().hex[:8]}.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    submission = Submission.objects.create(
        owner=alice, benchmark="toy", method=method, sha256="0" * 64, size_bytes=1, archive=stored
    )
    client = MlflowClient(tracking_uri=tracking)
    experiment = client.create_experiment(f"routes-{uuid.uuid4().hex[:8]}")
    run = client.create_run(experiment, tags={"lb.user": "alice"})
    picture = tmp_path / "curve.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    client.log_artifact(run.info.run_id, str(picture), artifact_path="scorer")
    client.set_terminated(run.info.run_id)
    job = Job.objects.create(
        submission=submission,
        owner=alice,
        benchmark="toy",
        resource_class="small",
        status=JobStatus.COMPLETED,
        finished_at=now,
        metrics={"accuracy": 0.5},
        run_id=run.info.run_id,
        experiment_id=experiment,
        seed_group=uuid.uuid4(),  # one seed of a "k seeds" request (issue 34)
        train_seed=0,
    )
    client.set_tag(run.info.run_id, "lb.job_id", str(job.pk))
    pending = Job.objects.create(
        submission=submission, owner=alice, benchmark="toy", resource_class="small", status=JobStatus.PENDING
    )
    entry = Entry.objects.create(benchmark="toy", owner=alice, method=method)
    model = model_register(
        path=demo_policy_path(),
        name=f"job-{str(job.pk)[:8]}",
        source=ModelSource.JOB,
        source_ref=str(job.pk),
        created_by=alice,
    )
    training = TrainingRun.objects.create(owner=alice, params={"algorithm": "ppo"})
    team = team_create(user=alice, name=f"team-{uuid.uuid4().hex[:8]}")
    invitation, invitation2 = (
        team_invite(
            actor=bob, team_id=team_create(user=bob, name=f"bobs{n}-{uuid.uuid4().hex[:8]}").pk, username="alice"
        )
        for n in (1, 2)
    )
    team_api_leave, team_page_leave = (team_create(user=alice, name=f"{team.name}-{n}") for n in (1, 2))
    open_team = team_create(user=staff, name=f"open-{uuid.uuid4().hex[:8]}")
    spare, _ = token_issue(user=alice, name=f"spare-{uuid.uuid4().hex[:6]}")
    spare2, _ = token_issue(user=alice, name=f"spare-{uuid.uuid4().hex[:6]}")
    return {
        "alice": alice,
        "bob": bob,
        "staff": staff,
        "method": method,
        "submission": str(submission.pk),
        "job": str(job.pk),
        "seed_group": str(job.seed_group),
        "pending": str(pending.pk),
        "entry": entry.pk,
        "team": team.pk,
        "team_name": team.name,
        "invitation": invitation.pk,
        "invitation2": invitation2.pk,
        "team_api_leave": team_api_leave.pk,
        "team_page_leave": team_page_leave.pk,
        "open_token": open_team.invite_token,
        "model": model.pk,
        "training": str(training.pk),
        "experiment": experiment,
        "token": spare.pk,
        "token2": spare2.pk,
        "token_prefix": spare.prefix,
    }
