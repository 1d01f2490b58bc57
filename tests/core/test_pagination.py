"""Every list endpoint pages with DRF's paginators: ``{next, previous, results}``,
walked by following ``next`` until it is null; query parameters go through
serializers, so a bad one is a 400 JSON error, not a silent default."""

from __future__ import annotations

from tests.conftest import upload


def walk(client, url: str) -> tuple[list[dict], int]:
    """Follow ``next`` links; returns every row and the number of pages."""
    rows, pages = [], 0
    while url:
        body = client.get(url).json()
        assert set(body) >= {"next", "previous", "results"}, body
        assert (body["previous"] is None) == (pages == 0)
        rows += body["results"]
        pages += 1
        url = body["next"]
    return rows, pages


def test_jobs_and_submissions_page_with_a_cursor(as_alice):
    submissions = [upload(as_alice, method=f"m{i}").json()["id"] for i in range(3)]
    jobs = [as_alice.post("/api/jobs", {"submission": s}, format="json").json()["id"] for s in submissions]
    rows, pages = walk(as_alice, "/api/jobs?page_size=2")
    assert [row["id"] for row in rows] == jobs[::-1] and pages == 2  # newest first, nothing lost or repeated
    rows, pages = walk(as_alice, "/api/submissions?page_size=2")
    assert [row["id"] for row in rows] == submissions[::-1] and pages == 2
    assert "cursor=" in as_alice.get("/api/jobs?page_size=2").json()["next"]


def test_other_users_rows_stay_out_of_every_page(as_alice, as_bob):
    upload(as_alice)
    assert as_bob.get("/api/submissions").json() == {"next": None, "previous": None, "results": []}


def test_benchmarks_models_and_experiments_are_paginated_too(anonymous, db, settings):
    from benchmarks import registry

    rows, pages = walk(anonymous, "/api/benchmarks?page_size=1")
    assert [row["slug"] for row in rows] == [b.slug for b in registry.all_benchmarks()] and pages == len(rows)
    assert set(anonymous.get("/api/models").json()) == {"next", "previous", "results"}


def test_query_parameters_are_validated(anonymous, as_alice, db):
    bad = anonymous.get("/api/models?archived=maybe")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    submission = upload(as_alice).json()["id"]
    job = as_alice.post("/api/jobs", {"submission": submission}, format="json").json()["id"]
    assert as_alice.get(f"/api/jobs/{job}/logs?offset=-1").status_code == 400
    assert as_alice.get(f"/api/jobs/{job}/logs?offset=0").status_code == 200
