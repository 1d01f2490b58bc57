"""GET /health, the public benchmark list, and the committed OpenAPI schema."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_each_dependency(anonymous, db, tracking):
    response = anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "tracking"}
    assert all(check["ok"] for check in body["checks"].values())


def test_health_is_503_when_tracking_is_down(anonymous, db, settings):
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    response = anonymous.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["tracking"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_benchmarks_list_is_public(anonymous, db):
    rows = anonymous.get("/api/benchmarks").json()["results"]
    toy = next(row for row in rows if row["slug"] == "toy")
    assert toy == {"slug": "toy", "title": "Toy parity", "description": "Say whether each number is even.",
                   "primary_metric": "accuracy", "higher_is_better": True, "metrics": ["accuracy", "errors"]}


def test_swagger_ui_and_schema_are_served(anonymous, db):
    assert anonymous.get("/api/schema/").status_code == 200
    assert anonymous.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_committed_openapi_schema_matches_the_code():
    out = StringIO()
    call_command("spectacular", stdout=out)
    committed = (ROOT / "docs" / "openapi.yaml").read_text()
    assert out.getvalue() == committed, "docs/openapi.yaml is stale: run `make schema`"
