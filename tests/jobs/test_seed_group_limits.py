"""A "k seeds" request is k jobs against every limit, all or nothing, and at most the benchmark's cap."""

from __future__ import annotations

from jobs.models import Job
from tests.conftest import toy_files


def _submission(as_alice, submit) -> str:
    response = submit(as_alice, toy_files())
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_each_seed_counts_as_one_active_job(as_alice, alice, submit, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2
    submission = _submission(as_alice, submit)

    refused = as_alice.post("/api/jobs", {"submission": submission, "seeds": 3}, format="json")
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_active_jobs"
    assert not Job.objects.filter(owner=alice).exists()  # all or nothing: no seed was queued

    accepted = as_alice.post("/api/jobs", {"submission": submission, "seeds": 2}, format="json")
    assert accepted.status_code == 201
    assert Job.objects.filter(owner=alice, status="pending").count() == 2
    one_more = as_alice.post("/api/jobs", {"submission": submission}, format="json")
    assert one_more.status_code == 429


def test_each_seed_counts_against_the_rate(as_alice, alice, submit, prepared_toy, settings):
    settings.LB_RATE_JOBS_HOUR = "4/h"
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 10  # the rate, not the active limit, refuses here
    submission = _submission(as_alice, submit)
    assert as_alice.post("/api/jobs", {"submission": submission, "seeds": 3}, format="json").status_code == 201
    refused = as_alice.post("/api/jobs", {"submission": submission, "seeds": 2}, format="json")
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert Job.objects.filter(owner=alice).count() == 3


def test_seeds_above_the_benchmark_cap_are_refused(as_alice, alice, submit, prepared_toy):
    from benchmarks import registry

    cap = registry.get("toy").max_seeds
    submission = _submission(as_alice, submit)
    response = as_alice.post("/api/jobs", {"submission": submission, "seeds": cap + 1}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "bad_seeds"
    with_key = as_alice.post(
        "/api/jobs",
        {"submission": submission, "seeds": 2, "job_id": "6f1c1b2e-0000-4000-8000-000000000001"},
        format="json",
    )
    assert with_key.status_code == 400
    assert not Job.objects.filter(owner=alice).exists()
