"""The reveal: sweeper or staff close (whichever first), audit row, MLflow, movements, fair deadlines."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from mlflow.tracking import MlflowClient

from core.errors import Conflict
from jobs.models import Job
from leaderboard.finals import phase_close, phases_reveal_due
from phases.models import PhaseAudit
from tests.leaderboard.conftest import entry_of


def board(client, **params):
    return client.get("/api/leaderboard", {"benchmark": "toy", **params})


@pytest.fixture
def four_finals(make_phase, scored, django_user_model):
    """Hand-computed example. Public: A .90, B .85, C .80, D .70 -> ranks 1 2 3 4.
    Private: A .70, B .95, C .60, D .90 -> B 1, D 2, A 3, C 4.
    Movement = public rank - private rank: B ▲1, D ▲2, A ▼2, C ▼1."""
    phase = make_phase()
    for name, public, private in (("ann", 0.90, 0.70), ("ben", 0.85, 0.95), ("cat", 0.80, 0.60), ("dan", 0.70, 0.90)):
        scored(django_user_model.objects.create(username=name), f"{name}-method", public, private)
    return phase


def test_movements_match_the_hand_computed_example(four_finals, anonymous, client):
    with time_machine.travel(four_finals.ends_at + timedelta(minutes=1), tick=False):
        assert phases_reveal_due() == 1
    data = board(anonymous).json()
    got = [(r["user"], r["rank"], r["public_rank"], r["rank_change"], r["movement"]) for r in data["rows"]]
    assert got == [("ben", 1, 2, 1, "▲1"), ("dan", 2, 4, 2, "▲2"), ("ann", 3, 1, -2, "▼2"), ("cat", 4, 3, -1, "▼1")]
    assert [r["public_metrics"]["accuracy"] for r in data["rows"]] == [0.85, 0.70, 0.90, 0.80]
    csv_rows = list(csv.DictReader(io.StringIO(board(anonymous, format="csv").content.decode())))
    assert [(r["user"], r["rank"], r["public_rank"], r["movement"], r["public_accuracy"]) for r in csv_rows] == [
        ("ben", "1", "2", "▲1", "0.85"),
        ("dan", "2", "4", "▲2", "0.7"),
        ("ann", "3", "1", "▼2", "0.9"),
        ("cat", "4", "3", "▼1", "0.8"),
    ]
    html = client.get("/leaderboard/toy/").content.decode()
    assert "Public #" in html and "▲2" in html and "▼1" in html and "revealed" in html
    # Every entry keeps its public score: the phase's public board is still there.
    public = board(anonymous, part="public").json()
    assert public["ranked_on"] == "public" and [r["user"] for r in public["rows"]] == ["ann", "ben", "cat", "dan"]
    assert "movement" not in public["rows"][0]
    assert "part=public" in html and "Public #" not in client.get("/leaderboard/toy/?part=public").content.decode()


def test_sweeper_reveals_when_the_clock_ends_the_phase_and_close_cannot_reopen(four_finals, staff, anonymous):
    with time_machine.travel(four_finals.ends_at - timedelta(seconds=1), tick=False):
        assert phases_reveal_due() == 0
        assert board(anonymous).json()["ranked_on"] == "public"
    moment = four_finals.ends_at + timedelta(seconds=30)
    with time_machine.travel(moment, tick=False):
        assert phases_reveal_due() == 1
        assert phases_reveal_due() == 0  # once
        with pytest.raises(Conflict) as again:
            phase_close(slug="toy", actor=staff)
    assert again.value.code == "already_revealed"
    four_finals.refresh_from_db()
    assert four_finals.revealed_at == moment and four_finals.revealed_by is None
    audit = PhaseAudit.objects.get(phase=four_finals)
    assert (audit.action, audit.at, audit.actor, audit.detail["finals"], audit.detail["by_default"]) == (
        "reveal",
        moment,
        None,
        0,
        4,
    )


def test_staff_close_comes_first_then_the_sweeper_has_nothing_to_do(four_finals, staff, client):
    client.force_login(staff)
    response = client.post("/admin/phases/phase/", {"action": "close", "_selected_action": [four_finals.pk]})
    assert response.status_code == 302
    four_finals.refresh_from_db()
    assert four_finals.revealed_at is not None and four_finals.revealed_by == staff
    assert four_finals.ends_at <= timezone.now()  # closed early: the end moved to the close
    assert [a.action for a in PhaseAudit.objects.filter(phase=four_finals).order_by("id")] == ["close", "reveal"]
    assert phases_reveal_due(now=four_finals.ends_at + timedelta(days=30)) == 0
    # No reopening: the admin shows a revealed phase read-only, so a later end date is ignored.
    change = f"/admin/phases/phase/{four_finals.pk}/change/"
    later = timezone.now() + timedelta(days=3)
    response = client.post(
        change,
        {
            "benchmark": "toy",
            "name": "Final",
            "starts_at_0": "2020-01-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": later.strftime("%Y-%m-%d"),
            "ends_at_1": "00:00:00",
            "timezone": "UTC",
            "ranks_on": "private",
            "final_max": 2,
            "board_visible": "on",
            "audit-TOTAL_FORMS": 0,
            "audit-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    ended_at = four_finals.ends_at
    four_finals.refresh_from_db()
    assert four_finals.ends_at == ended_at and four_finals.revealed_at is not None


def test_mlflow_gets_private_metrics_on_final_runs_only(make_phase, alice, bob, as_alice, scored, tracking):
    mlflow = MlflowClient(tracking)
    experiment = mlflow.create_experiment("phase-reveal")
    phase = make_phase()
    runs = {}
    for user, method, public, private in (
        (alice, "marked", 0.5, 0.6),
        (alice, "unmarked", 0.9, 0.99),
        (bob, "default", 0.7, 0.8),
    ):
        run = mlflow.create_run(experiment).info.run_id
        runs[method] = scored(user, method, public, private, run_id=run, experiment_id=experiment)
    assert as_alice.post(f"/api/entries/{entry_of(runs['marked']).pk}/final").status_code == 200
    moment = phase.ends_at + timedelta(seconds=5)
    with time_machine.travel(moment, tick=False):
        assert phases_reveal_due() == 1
    for method, expected in (("marked", 0.6), ("default", 0.8), ("unmarked", None)):
        data = mlflow.get_run(runs[method].run_id).data
        assert data.metrics.get("private_accuracy") == (pytest.approx(expected) if expected else None), method
        assert data.tags.get("lb.revealed_at") == (moment.isoformat() if expected else None)


def test_mlflow_down_postpones_the_reveal(four_finals, scored, alice, settings):
    from tests.conftest import free_port

    scored(alice, "tracked", 0.5, 0.5, run_id="abc123", experiment_id="1")
    settings.MLFLOW_TRACKING_URI = f"http://127.0.0.1:{free_port()}"
    with time_machine.travel(four_finals.ends_at + timedelta(minutes=1), tick=False):
        assert phases_reveal_due() == 0
    four_finals.refresh_from_db()
    assert four_finals.revealed_at is None and not PhaseAudit.objects.exists()


def test_job_finishing_after_the_end_still_counts(make_phase, alice, as_alice, submit, prepared_toy, tracking, staff):
    from jobs.runner import execute
    from jobs.services import job_enqueue
    from tests.conftest import toy_files

    phase = make_phase(ends_in=timedelta(minutes=10))
    uploaded = submit(as_alice, toy_files(config="flip: 1\n")).json()["id"]
    job, _ = job_enqueue(owner=alice, submission_id=uploaded)  # enqueued before the end
    with time_machine.travel(phase.ends_at + timedelta(minutes=1), tick=True):
        assert phases_reveal_due() == 0  # its job is still pending: the reveal waits
        assert not phase_close(slug="toy", actor=staff).revealed  # so does the staff close
        with pytest.raises(Conflict):
            job_enqueue(owner=alice, submission_id=uploaded)  # enqueued after the end: refused
        assert execute(str(job.pk)) == "completed"
        job.refresh_from_db()
        assert job.finished_at > phase.ends_at
        assert phases_reveal_due() == 1
    rows = board(as_alice).json()["rows"]
    assert [(r["job"], r["metrics"]["accuracy"]) for r in rows] == [(str(job.pk), job.private_metrics["accuracy"])]
    assert MlflowClient(tracking).get_run(job.run_id).data.metrics["private_accuracy"] == pytest.approx(
        job.private_metrics["accuracy"]
    )
    assert Job.objects.filter(owner=alice).count() == 1
