"""Two members racing for their team's last slot: the team's lock makes one of them wait, so the team's
limit holds (on PostgreSQL a real race; SQLite serialises its writers anyway)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phases.models import Phase
from tests.leaderboard.test_phase_races import race


@pytest.mark.django_db(transaction=True)
def test_members_racing_cannot_exceed_the_teams_phase_total(alice, bob, settings):
    from jobs.models import Job
    from jobs.services import job_enqueue
    from submissions.models import Submission
    from teams.services import team_accept, team_create, team_invite

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="Final", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1), max_total=1
    )
    team = team_create(user=alice, name="Racers")
    team_accept(user=bob, invitation_id=team_invite(actor=alice, team_id=team.pk, username="bob").pk)
    submissions = {
        member: Submission.objects.create(
            owner=member, team=team, benchmark="toy", method="m", sha256="0" * 64, size_bytes=1, archive="x.tar.gz"
        )
        for member in (alice, bob)
    }
    members = [alice, bob, alice, bob]
    outcomes = race(lambda member: job_enqueue(owner=member, submission_id=submissions[member].pk), members)
    assert outcomes == ["ok"] + ["phase_total_limit"] * 3
    assert Job.objects.filter(team=team).count() == 1
