"""A team's entries: keyed by (team, method), the board names the team, and one member's final mark holds for
every member (the team has one set of marks)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jobs.models import Job
from leaderboard.finals import final_mark, final_unmark
from leaderboard.models import Entry
from leaderboard.receivers import enter_completed_job
from leaderboard.selectors import finals_summary
from submissions.models import Submission
from teams.services import team_accept, team_create, team_invite


@pytest.fixture
def team(alice, bob):
    team = team_create(user=alice, name="Pair")
    team_accept(user=bob, invitation_id=team_invite(actor=alice, team_id=team.pk, username="bob").pk)
    return team


def _completed(user, method, accuracy, team=None) -> Job:
    submission = Submission.objects.create(
        owner=user, team=team, benchmark="toy", method=method, sha256="0" * 64, size_bytes=1, archive="x.zip"
    )
    job = Job.objects.create(
        submission=submission,
        owner=user,
        team=team,
        benchmark="toy",
        resource_class="small",
        status="completed",
        finished_at=timezone.now(),
        metrics={"accuracy": accuracy, "errors": 1.0},
        private_metrics={"accuracy": accuracy, "errors": 1.0},
    )
    enter_completed_job(sender=None, job=job)
    return job


def test_members_jobs_of_one_method_are_one_team_entry_named_by_the_team(team, alice, bob, anonymous):
    _completed(alice, "shared", 0.7, team)
    _completed(bob, "shared", 0.9, team)
    _completed(alice, "shared", 0.5)  # alice's own method of the same name is another entry
    assert Entry.objects.filter(team=team).count() == 1
    rows = anonymous.get("/api/leaderboard", {"benchmark": "toy"}).json()["rows"]
    assert [(row["user"], row["method"], row["metrics"]["accuracy"]) for row in rows] == [
        ("Pair", "shared", 0.9),
        ("alice", "shared", 0.5),
    ]


def test_one_members_final_mark_holds_for_both(make_phase, team, alice, bob):
    phase = make_phase(final_max=1)
    job = _completed(alice, "ours", 0.8, team)
    entry = Entry.objects.get(team=team)
    final_mark(user=bob, entry_id=entry.pk)
    for member in (alice, bob):
        summary = finals_summary(user=member, phase=phase, team_id=team.pk)
        assert [(m["entry"], m["job"]) for m in summary["marks"]] == [(entry.pk, str(job.pk))]
        assert summary["remaining"] == 0
    other = _completed(bob, "theirs", 0.6, team)
    from core.errors import Conflict

    with pytest.raises(Conflict) as full:  # the team's one mark is used, whoever marks next
        final_mark(user=alice, entry_id=Entry.objects.get(team=team, method="theirs").pk)
    assert full.value.code == "final_limit_reached" and other.pk
    final_unmark(user=alice, entry_id=entry.pk)  # any member unmarks too
    assert finals_summary(user=bob, phase=phase, team_id=team.pk)["marks"] == []
    # the personal side is apart: alice's own marks are not the team's
    assert finals_summary(user=alice, phase=phase)["remaining"] == 1


def test_every_member_edits_the_team_entry_and_no_one_else(team, alice, bob, as_bob, anonymous):
    from tests.conftest import _user_with_token, client_for

    _completed(alice, "ours", 0.8, team)
    entry = Entry.objects.get(team=team)
    response = as_bob.patch(f"/api/entries/{entry.pk}", {"paper_url": "https://arxiv.org/abs/2"}, format="json")
    assert response.status_code == 200 and response.json()["team"] == "Pair"
    carol = client_for(_user_with_token("carol"))
    assert carol.patch(f"/api/entries/{entry.pk}", {"unlisted": True}, format="json").status_code == 404
    assert anonymous.get(f"/api/entries/{entry.pk}").json()["user"] == "alice"


def test_a_team_that_marks_nothing_is_ranked_once_at_the_reveal(make_phase, team, alice, bob, anonymous):
    from datetime import timedelta

    import time_machine

    from leaderboard.finals import phases_reveal_due

    phase = make_phase()
    _completed(alice, "a", 0.6, team)
    _completed(bob, "b", 0.9, team)  # the team's best public entry
    _completed(bob, "solo", 0.7)  # bob alone is another side, with his own default
    with time_machine.travel(phase.ends_at + timedelta(minutes=1), tick=False):
        assert phases_reveal_due() == 1
    rows = anonymous.get("/api/leaderboard", {"benchmark": "toy"}).json()["rows"]
    assert sorted((row["user"], row["method"]) for row in rows) == [("Pair", "b"), ("bob", "solo")]
