"""The run, end to end in-process: real sandbox process, real scorer, real MLflow."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from jobs import logs
from jobs.models import Job
from jobs.runner import execute
from jobs.services import job_enqueue
from submissions.models import Submission
from tests.conftest import TOY_MAIN, toy_files


@pytest.fixture
def make_job(alice, as_alice, submit, prepared_toy):
    def make(files=None, **job_fields) -> Job:
        response = submit(as_alice, files or toy_files())
        assert response.status_code == 201, response.json()
        job, created = job_enqueue(owner=alice, submission_id=response.json()["id"], **job_fields)
        assert created
        return job

    return make


def test_good_submission_completes_with_metrics_and_one_mlflow_run(make_job, tracking):
    job = make_job(toy_files(config="flip: 2\nepochs: 3\nnested:\n  lr: 0.1\n"))

    assert execute(str(job.pk)) == "completed"

    job.refresh_from_db()
    assert job.status == "completed" and job.error == ""
    # 2 of the 40 answers are wrong; which part they land in depends on the split.
    total_errors = job.metrics["errors"] + job.private_metrics["errors"]
    assert total_errors == 2
    assert job.metrics["accuracy"] == pytest.approx(1 - job.metrics["errors"] / 20)
    assert job.primary_ci_low <= job.metrics["accuracy"] <= job.primary_ci_high
    run = MlflowClient(tracking).get_run(job.run_id)
    assert run.data.metrics["accuracy"] == pytest.approx(job.metrics["accuracy"])
    assert "private_accuracy" not in run.data.metrics  # private part stays unpublished
    assert run.data.params["method"] == "parity"
    assert run.data.params["epochs"] == "3" and run.data.params["nested.lr"] == "0.1"
    assert run.data.params["submission_sha256"] == job.submission.sha256
    assert run.data.params["resource_class"] == "small"
    artifacts = {a.path for a in MlflowClient(tracking).list_artifacts(job.run_id)}
    assert {"logs", "scorer", "metrics.json"} <= artifacts
    assert "numbers: 40" in logs.read_chunk(job.pk).text


def test_recording_twice_reuses_the_run(make_job, tracking, tmp_path):
    from jobs.recording import record
    from jobs.workspace import Workspace

    job = make_job()
    execute(str(job.pk))
    job.refresh_from_db()
    (tmp_path / "artifacts").mkdir()
    again = record(job, workspace=Workspace(tmp_path))
    assert again.run_id == job.run_id
    runs = MlflowClient(tracking).search_runs([job.experiment_id], f"tags.`lb.job_id` = '{job.pk}'")
    assert len(runs) == 1


def test_nonzero_exit_fails_with_last_log_lines(make_job, tracking):
    job = make_job(toy_files(main="print('about to fail')\nraise SystemExit('boom: bad config')\n"))
    assert execute(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "submission"
    assert "exit code 1" in job.error and "boom: bad config" in job.error
    assert job.run_id == ""


def test_malformed_output_fails_naming_the_file(make_job, tracking):
    main = TOY_MAIN.replace("json.dumps(answers)", "'not json'")
    job = make_job(toy_files(main=main))
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "submission"
    assert "predictions.json" in job.error and "not JSON" in job.error


def test_timeout_fails_with_reason(make_job, tracking, settings):
    settings.LB_RESOURCE_CLASSES = {
        **settings.LB_RESOURCE_CLASSES,
        "tiny": {"timeout_s": 2, "memory_mb": 2048, "cpus": 1, "max_procs": 64, "max_output_mb": 10, "gpus": 0},
    }
    job = make_job(toy_files(main="import time\nwhile True: time.sleep(0.1)\n"), resource_class="tiny")
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "submission"
    assert "timeout after 2 s" in job.error


def test_tracking_down_keeps_metrics_and_can_be_rerecorded(make_job, tracking, settings):
    from jobs.runner import job_rerecord

    job = make_job()
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"  # nothing listens there
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "platform"
    assert "tracking unavailable" in job.error and job.needs_recording
    assert job.metrics["accuracy"] == 1.0  # scored result kept

    settings.MLFLOW_TRACKING_URI = tracking
    job = job_rerecord(job=job)
    assert job.status == "completed" and job.run_id
    assert MlflowClient(tracking).get_run(job.run_id).data.metrics["accuracy"] == 1.0


def test_claim_is_exclusive(make_job):
    from jobs.transitions import job_claim

    job = make_job()
    assert job_claim(job_id=str(job.pk), worker="w1")
    assert not job_claim(job_id=str(job.pk), worker="w2")


def test_a_cancelled_job_is_not_run(make_job, alice, tracking):
    from jobs.services import job_cancel

    job = make_job()
    job_cancel(job=job, actor=alice)
    assert execute(str(job.pk)) == "not-claimed"
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert Submission.objects.filter(pk=job.submission_id).exists()
