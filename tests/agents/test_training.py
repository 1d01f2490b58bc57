"""Training console: start/stop/status limits, the worker-side run, /ws/training, experiments."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from agents.models import AgentModel, ModelSource, TrainingRun, TrainingStatus

FORM = {
    "algorithm": "ppo",
    "maze_set": "train-20",
    "timesteps": 2048,
    "n_envs": 4,
    "learning_rate": 0.001,
    "gamma": 0.99,
    "seed": 0,
}


def test_start_queues_a_run_on_commit(as_alice, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_alice.post("/api/training/start", FORM, format="json")
    assert response.status_code == 202, response.json()
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert run.owner == alice and run.status == TrainingStatus.QUEUED and run.params["timesteps"] == 2048
    assert len(callbacks) == 1  # the worker is told only once the row is committed
    status = as_alice.get("/api/training/status").json()
    assert status["id"] == str(run.id) and status["status"] == "queued"


def test_one_run_at_a_time_per_user(as_alice, as_bob):
    assert as_alice.post("/api/training/start", FORM, format="json").status_code == 202
    second = as_alice.post("/api/training/start", FORM, format="json")
    assert second.status_code == 429 and second.json()["error"] == "limit_exceeded"
    assert as_bob.post("/api/training/start", FORM, format="json").status_code == 202  # others are not blocked


def test_five_runs_per_hour(as_alice, alice):
    for _ in range(5):
        TrainingRun.objects.create(owner=alice, params=FORM, status=TrainingStatus.SUCCEEDED)
    refused = as_alice.post("/api/training/start", FORM, format="json")
    assert refused.status_code == 429 and "per hour" in refused.json()["detail"]
    TrainingRun.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert as_alice.post("/api/training/start", FORM, format="json").status_code == 202


def test_invalid_parameters_and_anonymous(as_alice, anonymous):
    bad = as_alice.post("/api/training/start", {**FORM, "algorithm": "a2c", "timesteps": 10}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"algorithm", "timesteps"}
    assert anonymous.post("/api/training/start", FORM, format="json").status_code in (401, 403)


def test_run_ids_that_are_not_uuids_are_rejected(as_alice):
    for response in (
        as_alice.post("/api/training/stop", {"id": "42"}, format="json"),
        as_alice.get("/api/training/status?id=42"),
    ):
        assert response.status_code == 400 and "id" in response.json()["fields"]


def test_stop_a_queued_run_means_it_never_starts(as_alice):
    from agents.training import execute

    run_id = as_alice.post("/api/training/start", FORM, format="json").json()["id"]
    stopped = as_alice.post("/api/training/stop", {}, format="json")
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert execute(run_id).status == TrainingStatus.STOPPED
    assert as_alice.post("/api/training/stop", {}, format="json").status_code == 404


@pytest.mark.slow
def test_worker_run_streams_progress_registers_model_and_logs_to_mlflow(as_alice, alice, tracking, anonymous):
    from agents.training import execute

    run_id = as_alice.post("/api/training/start", FORM, format="json").json()["id"]
    run = execute(run_id)
    assert run.status == TrainingStatus.SUCCEEDED, run.error
    rows = list(run.progress.all())
    assert len(rows) >= 5 and rows[-1].timesteps >= rows[0].timesteps
    assert all(0.0 <= r.success_rate <= 1.0 for r in rows if r.success_rate is not None)
    model = AgentModel.objects.get(pk=run.result_model_id)
    assert model.source == ModelSource.TRAINING and model.source_ref == str(run.pk) and model.algorithm == "ppo"
    assert run.mlflow_run_id
    experiments = as_alice.get("/api/experiments").json()["results"]  # her run: hers to see
    training = next(e for e in experiments if e["name"] == "maze-training")
    assert training["ui_url"].startswith(tracking)
    detail = as_alice.get(f"/api/experiments/{training['id']}").json()
    assert run.mlflow_run_id in {r["id"] for r in detail["runs"]}
    assert "maze-training" not in {e["name"] for e in anonymous.get("/api/experiments").json()["results"]}
    assert anonymous.get(f"/api/experiments/{training['id']}").status_code == 404
    assert anonymous.get("/api/experiments/987654321").status_code == 404


def test_stop_flag_ends_a_running_training_early(alice, settings):
    from agents import training

    run = TrainingRun.objects.create(owner=alice, params={**FORM, "timesteps": 50_000}, stop_requested=False)
    calls = []

    def progress(report):  # ask to stop after the first report
        calls.append(report)
        TrainingRun.objects.filter(pk=run.pk).update(stop_requested=True)

    original = training.services.training_progress_record
    training.services.training_progress_record = lambda run_id, report: (
        original(run_id=run_id, report=report),
        progress(report),
    )
    try:
        finished = training.execute(run.pk, use_mlflow=False)
    finally:
        training.services.training_progress_record = original
    assert finished.status == TrainingStatus.STOPPED and finished.result_model_id is not None
    assert finished.progress.last().timesteps < 50_000


@pytest.mark.django_db(transaction=True)
def test_training_socket_streams_rows_and_final_status(alice):
    from agents.services import training_mark, training_progress_record
    from config.asgi import application

    run = TrainingRun.objects.create(owner=alice, params=FORM, status=TrainingStatus.RUNNING)
    training_progress_record(
        run_id=run.pk, report={"episode": 3, "reward": -0.5, "loss": 0.2, "success_rate": 0.1, "timesteps": 512}
    )

    from django.test import Client

    browser = Client()
    browser.force_login(alice)  # the run's owner: progress is hers (and staff's) only
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()

    async def scenario():
        ws = WebsocketCommunicator(
            application,
            f"/ws/training?run={run.pk}",
            headers=[(b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", cookie)],
        )
        assert (await ws.connect())[0]
        frames = [await ws.receive_json_from(timeout=3) for _ in range(2)]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None,
            lambda: training_progress_record(
                run_id=run.pk, report={"episode": 9, "reward": 0.4, "loss": 0.1, "success_rate": 0.6, "timesteps": 1024}
            ),
        )
        await loop.run_in_executor(
            None,
            lambda: training_mark(
                run_id=run.pk, status=TrainingStatus.SUCCEEDED, expected=(TrainingStatus.QUEUED, TrainingStatus.RUNNING)
            ),
        )
        while frames[-1].get("status") != "succeeded":
            frames.append(await ws.receive_json_from(timeout=3))
        await ws.disconnect()
        bad = WebsocketCommunicator(
            application, "/ws/training?run=nope", headers=[(b"host", b"testserver"), (b"origin", b"http://testserver")]
        )
        await bad.connect()
        refused = await bad.receive_json_from(timeout=3)
        return frames, refused

    frames, refused = asyncio.run(scenario())
    progress = [f for f in frames if f["type"] == "progress"]
    assert [(p["episode"], p["reward"], p["success_rate"]) for p in progress] == [(3, -0.5, 0.1), (9, 0.4, 0.6)]
    assert all({"episode", "reward", "loss", "success_rate", "server_ts"} <= set(p) for p in progress)
    assert [f["status"] for f in frames if f["type"] == "status"] == ["running", "succeeded"]
    assert refused["error"] == "not_found"
