"""After a rotation the board marks entries scored on the replaced hidden set (HTML, JSON, CSV) with the id of
the set each was scored on; staff re-run them in bulk (``rerun_stale`` or the jobs admin action) as new jobs,
and a fresh job replaces the stale numbers."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from benchmarks import registry
from jobs.models import Job, JobStatus
from jobs.runner import execute
from jobs.scoring import datasets
from jobs.services import job_enqueue
from tests.conftest import toy_files


@pytest.fixture
def toy(settings, tmp_path):
    settings.LB_BENCHMARK_DATA_DIR = tmp_path / "benchmarks"
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    benchmark = registry.get("toy")
    datasets.prepare(benchmark)
    return benchmark


def run_job(user, client, submit, method: str, config: str = "flip: 0\n") -> Job:
    response = submit(client, toy_files(config=config), method=method)
    job, _ = job_enqueue(owner=user, submission_id=response.json()["id"])
    assert execute(str(job.pk)) == "completed"
    return Job.objects.get(pk=job.pk)


def board_json(anonymous) -> dict:
    return anonymous.get("/api/leaderboard?benchmark=toy").json()


def test_rotation_marks_old_entries_stale_and_a_rerun_refreshes_them(
    toy, alice, bob, as_alice, as_bob, submit, anonymous, client, tracking
):
    old = run_job(alice, as_alice, submit, "parity")
    first_id = datasets.dataset_id(toy)
    board = board_json(anonymous)
    assert board["dataset_version"] == first_id
    assert [(r["job"], r["dataset_version"], r["stale_dataset"]) for r in board["rows"]] == [
        (str(old.pk), first_id, False)
    ]

    call_command("rotate_hidden_data", "toy")
    second_id = datasets.dataset_id(toy)
    fresh = run_job(bob, as_bob, submit, "other", config="flip: 4\n")  # scored on the new set

    board = board_json(anonymous)
    assert board["dataset_version"] == second_id
    rows = {r["user"]: (r["dataset_version"], r["stale_dataset"]) for r in board["rows"]}
    assert rows == {"alice": (first_id, True), "bob": (second_id, False)}
    table = list(
        csv.DictReader(io.StringIO(anonymous.get("/api/leaderboard?benchmark=toy&format=csv").content.decode()))
    )
    assert {(r["user"], r["dataset_version"], r["stale_dataset"]) for r in table} == {
        ("alice", first_id, "true"),
        ("bob", second_id, "false"),
    }
    page = client.get("/leaderboard/toy/").content.decode()
    assert page.count("older data set") == 1 and first_id in page and second_id in page

    call_command("rerun_stale", "toy")
    again = Job.objects.exclude(pk__in=[old.pk, fresh.pk]).get()
    assert (again.submission_id, again.owner_id, again.status) == (old.submission_id, alice.pk, JobStatus.PENDING)
    call_command("rerun_stale", "toy")  # its re-run is pending: nothing more is queued
    assert Job.objects.count() == 3

    assert execute(str(again.pk)) == "completed"
    rows = {r["user"]: (r["job"], r["dataset_version"], r["stale_dataset"]) for r in board_json(anonymous)["rows"]}
    assert rows["alice"] == (str(again.pk), second_id, False)  # the fresh job replaces the stale numbers
    assert "older data set" not in client.get("/leaderboard/toy/").content.decode()


def test_entry_page_marks_the_jobs_of_an_older_set(toy, alice, as_alice, submit, client, tracking):
    from leaderboard.models import Entry

    old = run_job(alice, as_alice, submit, "parity")
    first_id = datasets.dataset_id(toy)
    entry = Entry.objects.get(benchmark="toy", owner=alice, method="parity")
    assert "older data set" not in client.get(f"/entries/{entry.pk}/").content.decode()
    call_command("rotate_hidden_data", "toy")
    page = client.get(f"/entries/{entry.pk}/").content.decode()
    assert "older data set" in page and first_id in page
    assert old.reproducibility["dataset_version"] == first_id


def test_staff_admin_action_reruns_only_the_stale_jobs(toy, alice, as_alice, submit, client, staff, tracking):
    old = run_job(alice, as_alice, submit, "parity")
    call_command("rotate_hidden_data", "toy")
    current = run_job(alice, as_alice, submit, "parity2")
    client.force_login(staff)
    response = client.post("/admin/jobs/job/", {"action": "rerun_stale", "_selected_action": [old.pk, current.pk]})
    assert response.status_code == 302
    new = Job.objects.exclude(pk__in=[old.pk, current.pk]).get()
    assert (new.submission_id, new.status) == (old.submission_id, JobStatus.PENDING)
