"""REST: /api/models (list, detail, upload validation, archive, activate) and the registry services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from onnx import TensorProto

from agents.models import AgentModel, ModelSource
from benchmarks import registry
from tests.agents.conftest import onnx_file


def _upload(client, path, name="uploaded", **fields):
    file = SimpleUploadedFile("policy.onnx", path.read_bytes(), content_type="application/octet-stream")
    return client.post("/api/models", {"file": file, "name": name, **fields}, format="multipart")


def test_bootstrap_registers_and_activates_the_demo_policy_once(db, models_dir):
    from django.apps import apps

    config = apps.get_app_config("agents")
    first, second = config.bootstrap(), config.bootstrap()
    assert "registered" in first and "already registered" in second
    demo = AgentModel.objects.get()
    assert demo.active and demo.source == ModelSource.DEMO and demo.algorithm == "ppo"
    assert (models_dir / demo.file).is_file()


def test_list_and_detail_are_public(anonymous, demo_model):
    listing = anonymous.get("/api/models")
    assert listing.status_code == 200
    assert [m["id"] for m in listing.json()["results"]] == [demo_model.id]
    detail = anonymous.get(f"/api/models/{demo_model.id}").json()
    assert detail["active"] is True and detail["sha256"] == demo_model.sha256
    assert anonymous.get("/api/models/active").json()["id"] == demo_model.id
    missing = anonymous.get("/api/models/999999")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_staff_upload_creates_versions(as_staff, tmp_path, demo_model):
    path = onnx_file(tmp_path / "ok.onnx")
    first = _upload(as_staff, path, algorithm="linear", success_rate=0.5)
    second = _upload(as_staff, path)
    assert first.status_code == 201, first.json()
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert first.json()["algorithm"] == "linear" and first.json()["success_rate"] == 0.5
    assert first.json()["source"] == "upload" and first.json()["active"] is False


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_name": "x"}, "input named 'obs'"),
        ({"output_name": "logits"}, "output named 'action_scores'"),
        ({"in_width": 24}, "'obs' must have shape"),
        ({"out_width": 5}, "'action_scores' must have shape"),
        ({"dtype": TensorProto.DOUBLE}, "must be float32"),
    ],
)
def test_upload_rejects_contract_violations(as_staff, tmp_path, kwargs, message):
    response = _upload(as_staff, onnx_file(tmp_path / "bad.onnx", **kwargs))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_model" and message in response.json()["detail"]
    assert not AgentModel.objects.exists()


def test_upload_rejects_non_onnx_bytes(as_staff, tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"definitely not protobuf")
    response = _upload(as_staff, path)
    assert response.status_code == 400 and "not a loadable ONNX model" in response.json()["detail"]


def test_upload_and_activation_need_staff(as_alice, anonymous, tmp_path, demo_model):
    path = onnx_file(tmp_path / "ok.onnx")
    assert _upload(as_alice, path).status_code == 403
    assert _upload(anonymous, path).status_code in (401, 403)
    assert as_alice.post("/api/models/active", {"id": demo_model.id}, format="json").status_code == 403


def test_activate_switches_the_single_active_model(as_staff, demo_model, depth_first_model):
    response = as_staff.post("/api/models/active", {"id": depth_first_model.id}, format="json")
    assert response.status_code == 200 and response.json()["active"] is True
    assert list(AgentModel.objects.filter(active=True).values_list("id", flat=True)) == [depth_first_model.id]
    assert as_staff.post("/api/models/active", {"id": 424242}, format="json").status_code == 404


def test_database_refuses_two_active_models(demo_model, depth_first_model):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AgentModel.objects.filter(pk=depth_first_model.pk).update(active=True)


def test_archive_keeps_versions_and_protects_the_active_model(as_staff, anonymous, demo_model, depth_first_model):
    refused = as_staff.patch(f"/api/models/{demo_model.id}", {"archived": True}, format="json")
    assert refused.status_code == 409
    archived = as_staff.patch(f"/api/models/{depth_first_model.id}", {"archived": True}, format="json")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert [m["id"] for m in anonymous.get("/api/models").json()["results"]] == [demo_model.id]
    everything = anonymous.get("/api/models?archived=1").json()["results"]
    assert {m["id"] for m in everything} == {demo_model.id, depth_first_model.id}
    activate = as_staff.post("/api/models/active", {"id": depth_first_model.id}, format="json")
    assert activate.status_code == 409


def test_completed_maze_job_registers_its_policy(alice, tmp_path, models_dir, maze_served):
    from types import SimpleNamespace

    from agents.services import model_register_from_job
    from benchmarks.maze.reference_policies import depth_first_policy

    out = tmp_path / "out"
    out.mkdir()
    depth_first_policy(out / "policy.onnx")
    job = SimpleNamespace(
        id="0f8fad5b-d9cb-469f-a165-70867728950e", benchmark="maze", owner=alice, metrics={"success_rate": 1.0}
    )
    model = model_register_from_job(job=job, output_dir=out)
    (out / "policy.onnx").unlink()  # the workspace goes away; the registry keeps its copy
    assert model.source == ModelSource.JOB and model.source_ref == job.id and model.success_rate == 1.0
    assert (models_dir / model.file).is_file()
    # The benchmark decides, not the slug: toy jobs write no policy, an unserved benchmark registers nothing.
    (out / "policy.onnx").write_bytes((models_dir / model.file).read_bytes())
    for slug in ("toy", "anomaly"):
        other = SimpleNamespace(id="x", benchmark=slug, owner=alice, metrics={})
        assert model_register_from_job(job=other, output_dir=out) is None
    assert maze_served.produces_policy and not registry.get("toy").produces_policy


def test_job_completed_signal_registers_the_policy(alice, tmp_path, models_dir, maze_served):
    from types import SimpleNamespace

    from benchmarks.maze.reference_policies import depth_first_policy
    from jobs.models import Job
    from jobs.signals import job_completed

    depth_first_policy(tmp_path / "policy.onnx")
    job = SimpleNamespace(
        id="6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        benchmark="maze",
        owner=alice,
        owner_id=alice.pk,
        team_id=None,
        reproduces_id=None,
        submission=SimpleNamespace(method="dfs", description="", paper_url="", code_url=""),
        run_id="",
        metrics={"success_rate": 0.5},
        private_metrics={},
    )  # what every listener reads
    responses = job_completed.send_robust(sender=Job, job=job, output_dir=tmp_path)
    assert all(error is None for _, error in responses)
    registered = AgentModel.objects.get(source_ref=job.id)
    assert registered.source == ModelSource.JOB and registered.success_rate == 0.5


def test_requests_get_a_request_id_and_a_json_log_line(anonymous, demo_model, caplog):
    import json

    from core.logcontext import ContextFilter, json_formatter

    with caplog.at_level("INFO", logger="access"):
        response = anonymous.get("/api/models", HTTP_X_REQUEST_ID="trace-12345678")
    assert response["X-Request-ID"] == "trace-12345678"
    line = caplog.records[-1]
    ContextFilter().filter(line)
    record = json.loads(json_formatter().format(line))
    assert record["event"] == "http_request" and record["request_id"] == "trace-12345678"
    assert record["status"] == 200 and record["duration_ms"] >= 0 and "ws_connections" in record


def test_viewer_page_renders(client, demo_model):
    page = client.get("/agents/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="maze"' in html and "agents/viewer.js" in html and "● Disconnected" in html
    assert "train-0000" in html and "eval-" not in html
