"""GET /health (its details: staff; tests/leaderboard/test_health_details_staff_only.py), the public
benchmark list, and the committed OpenAPI schema."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_each_dependency(as_staff, tracking):
    response = as_staff.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "tracking"}
    assert all(check["ok"] for check in body["checks"].values())


def test_tracking_down_is_reported_but_not_fatal(as_staff, settings):
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    for url in ("/health", "/health/ready"):
        response = as_staff.get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["checks"]["tracking"]["ok"] is False and body["checks"]["tracking"]["fatal"] is False
        assert body["checks"]["database"]["ok"] is True


def test_readiness_is_503_when_the_queue_is_down(as_staff, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def unreachable():
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(HUEY, "pending_count", unreachable)
    response = as_staff.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["queue"] == {**response.json()["checks"]["queue"], "ok": False, "fatal": True}


def test_liveness_touches_no_dependency(anonymous, settings):
    # No db fixture: any database query here would raise.
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    response = anonymous.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_benchmarks_list_is_public(anonymous, db):
    rows = anonymous.get("/api/benchmarks").json()["results"]
    toy = next(row for row in rows if row["slug"] == "toy")
    assert toy == {
        "slug": "toy",
        "title": "Toy parity",
        "description": "Say whether each number is even.",
        "primary_metric": "accuracy",
        "higher_is_better": True,
        "metrics": ["accuracy", "errors"],
    }


def test_swagger_ui_and_schema_are_served(anonymous, db):
    assert anonymous.get("/api/schema/").status_code == 200
    assert anonymous.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_committed_openapi_schema_matches_the_code():
    out = StringIO()
    call_command("spectacular", stdout=out)
    committed = (ROOT / "docs" / "openapi.yaml").read_text()
    assert out.getvalue() == committed, "docs/openapi.yaml is stale: run `make schema`"
