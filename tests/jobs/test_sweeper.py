"""No job stays stuck: the sweeper's deadlines for every non-terminal state,
and faults that must end terminal with the right failure_kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from benchmarks import registry
from jobs.models import Job
from jobs.runner import execute
from jobs.selectors import job_rate_usage
from jobs.services import job_enqueue
from jobs.sweeper import jobs_sweep
from jobs.transitions import job_claim
from tests.conftest import toy_files


@pytest.fixture
def job(alice, as_alice, submit, prepared_toy):
    submission_id = submit(as_alice, toy_files()).json()["id"]
    job, _ = job_enqueue(owner=alice, submission_id=submission_id)
    return job


def _orphan(job: Job, *, phase: str, attempts: int = 1, beat_ago: float = 3600) -> None:
    """Leave the job as a vanished worker would: running, stale heartbeat."""
    Job.objects.filter(pk=job.pk).update(
        status="running",
        phase=phase,
        worker="gone:1",
        attempts=attempts,
        started_at=timezone.now() - timedelta(seconds=beat_ago),
        heartbeat_at=timezone.now() - timedelta(seconds=beat_ago),
    )


@pytest.mark.parametrize("phase", ["preparing", "installing", "executing", "scoring", "recording"])
def test_a_job_left_running_by_a_vanished_worker_is_requeued(job, phase, django_capture_on_commit_callbacks):
    _orphan(job, phase=phase)
    with django_capture_on_commit_callbacks() as enqueued:
        assert jobs_sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == "pending" and job.worker == "" and f"worker lost in phase {phase}" in job.error
    assert len(enqueued) == 1


def test_after_the_last_attempt_it_fails_as_the_platforms_fault(job, alice):
    _orphan(job, phase="executing", attempts=3)
    assert jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "platform"
    assert job.error.startswith("gave up after 3 attempts: worker lost in phase executing")
    assert job_rate_usage(owner=alice).used == 0  # the user's quota is intact


def test_given_up_after_its_score_was_saved_it_counts_and_can_be_rerecorded(job, alice):
    _orphan(job, phase="recording", attempts=3)
    assert jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "platform" and job.needs_recording
    assert job_rate_usage(owner=alice).used == 1  # a score is a spent job


def test_a_fresh_heartbeat_is_left_alone(job):
    _orphan(job, phase="executing", beat_ago=1)
    assert jobs_sweep() == {"requeued": 0, "failed": 0, "reenqueued": 0}


def test_running_past_the_resource_class_deadline(job, settings):
    settings.LB_RUN_GRACE_S = 10
    Job.objects.filter(pk=job.pk).update(
        status="running",
        phase="executing",
        worker="w",
        attempts=3,
        started_at=timezone.now() - timedelta(seconds=900 + 11),
        heartbeat_at=timezone.now(),
    )
    jobs_sweep()
    job.refresh_from_db()
    assert job.status == "failed" and "running past its deadline (900 s + 10 s grace)" in job.error


def test_pending_past_its_queue_deadline_fails(job, settings, live_worker):
    live_worker(pools=["default"])  # a served pool: a job still waiting there lost its way
    Job.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.LB_PENDING_DEADLINE_S + 1)
    )
    jobs_sweep()
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "platform" and "waited in the queue" in job.error


def test_a_pending_job_whose_message_was_lost_is_enqueued_again(job, settings, django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY

    HUEY.flush()  # the broker lost its messages
    Job.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.LB_REQUEUE_PENDING_AFTER_S + 1)
    )
    with django_capture_on_commit_callbacks() as enqueued:
        assert jobs_sweep()["reenqueued"] == 1
    assert len(enqueued) == 1


def test_a_crashing_scorer_is_the_submissions_failure_and_not_retried(job, tracking, monkeypatch, alice, caplog):
    """The scorer runs on the submission's bytes in a limited child (jobs/scoring/isolated.py): an
    exception there cannot be told from one the output provoked, so it is the submission's (docs/security.md);
    the traceback is in the worker's log for an operator."""
    benchmark = registry.get("toy")

    def crash(*args, **kwargs):
        raise ZeroDivisionError("scorer bug")

    monkeypatch.setattr(benchmark, "score", crash)
    assert execute(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.failure_kind == "submission" and job.attempts == 1
    assert "scoring failed on the submission's output: ZeroDivisionError: scorer bug" in job.error
    assert job_rate_usage(owner=alice).used == 1
    assert "ZeroDivisionError" in caplog.text and "Traceback" in caplog.text


def test_missing_benchmark_data_is_a_platform_failure(job, tracking, settings, tmp_path):
    settings.LB_BENCHMARK_DATA_DIR = tmp_path / "nothing-prepared"
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.failure_kind == "platform" and "manage.py bootstrap" in job.error


def test_a_job_taken_back_while_running_is_not_completed_twice(job, tracking):
    """The sweeper re-queued the job; the old worker's late completion must not win."""
    from jobs.transitions import job_complete

    assert job_claim(job_id=str(job.pk), worker="old")
    _orphan(job, phase="recording")
    jobs_sweep()
    assert not job_complete(job_id=str(job.pk), worker="old", run_id="late", experiment_id="1")
    assert execute(str(job.pk)) == "completed"
    job.refresh_from_db()
    assert job.run_id != "late" and job.attempts == 2


def test_staff_rerun_of_a_deterministic_submission_reproduces_the_metrics(job, tracking, staff):
    from jobs.services import job_rerun

    execute(str(job.pk))
    job.refresh_from_db()
    again = job_rerun(job=job, actor=staff)
    execute(str(again.pk))
    again.refresh_from_db()
    assert again.status == "completed"
    assert again.metrics == job.metrics and again.private_metrics == job.private_metrics
    assert (again.primary_ci_low, again.primary_ci_high) == (job.primary_ci_low, job.primary_ci_high)
    assert again.reproducibility["submission_sha256"] == job.reproducibility["submission_sha256"]
    assert again.reproducibility["packages_lock_sha256"] == job.reproducibility["packages_lock_sha256"]
