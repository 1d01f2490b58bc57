"""A stop that lands between the worker's check and its start wins: the worker's
status change is conditional on the status it expects."""

from __future__ import annotations

from agents.models import TrainingRun, TrainingStatus
from agents.services import training_mark, training_stop


def test_a_run_stopped_before_it_starts_stays_stopped(alice):
    run = TrainingRun.objects.create(owner=alice, params={})
    training_stop(user=alice, run_id=run.pk)  # queued → stopped
    assert training_mark(run_id=run.pk, status=TrainingStatus.RUNNING, expected=(TrainingStatus.QUEUED,)) is False
    run.refresh_from_db()
    assert run.status == TrainingStatus.STOPPED and run.started_at is None


def test_the_expected_status_moves(alice):
    run = TrainingRun.objects.create(owner=alice, params={})
    assert training_mark(run_id=run.pk, status=TrainingStatus.RUNNING, expected=(TrainingStatus.QUEUED,)) is True
    assert training_mark(run_id=run.pk, status=TrainingStatus.FAILED, expected=(TrainingStatus.RUNNING,)) is True
    run.refresh_from_db()
    assert run.status == TrainingStatus.FAILED and run.finished_at is not None
