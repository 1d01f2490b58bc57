"""The suite board's parts follow its members' (issue 31): public while any member is unrevealed; the private
part once every member's phase is revealed; ``part=public`` then gives the public ranking again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leaderboard.board_cache import board_changed
from leaderboard.models import FinalMark
from leaderboard.selectors import entry_id_for_job
from phases.models import Phase
from tests.support import sliced_toy

MEMBERS = ("duo-a", "duo-b")


def items(right: int, n: int = 40) -> list[float]:
    return [1.0] * right + [0.0] * (n - right)


@pytest.fixture
def duo(db, alice, bob):
    sliced_toy.register(*(sliced_toy.member(slug, "duo") for slug in MEMBERS))
    now = timezone.now()
    jobs = []
    for slug in MEMBERS:
        phase = Phase.objects.create(
            benchmark=slug, name="Final", starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=1)
        )
        # alice leads on the public part, bob on the private part.
        for user, method, public, private in ((alice, "overfit", 39, 20), (bob, "steady", 30, 33)):
            job = sliced_toy.sliced_job(user, method, items(public), items(private), slug=slug)
            FinalMark.objects.create(benchmark=slug, phase=phase, owner=user, entry_id=entry_id_for_job(job), job=job)
        jobs.append(phase)
    yield jobs
    sliced_toy.unregister(*MEMBERS)


def reveal(phase: Phase) -> None:
    # What the reveal itself does to a phase and its board's cache (leaderboard.finals.phase_close).
    Phase.objects.filter(pk=phase.pk).update(revealed_at=timezone.now())
    board_changed(phase.benchmark)


def ranking(client, **params):
    data = client.get("/api/suites/duo", params).json()
    return data["ranked_on"], [row["method"] for row in data["rows"]], data


def test_public_until_every_member_is_revealed_then_private(anonymous, duo):
    first, second = duo
    assert ranking(anonymous)[:2] == ("public", ["overfit", "steady"])
    reveal(first)
    assert ranking(anonymous)[:2] == ("public", ["overfit", "steady"])  # one member still unrevealed
    reveal(second)
    ranked_on, methods, data = ranking(anonymous)
    assert (ranked_on, methods) == ("private", ["steady", "overfit"])
    assert data["rows"][0]["mean"] == pytest.approx(33 / 40)
    assert ranking(anonymous, part="public")[:2] == ("public", ["overfit", "steady"])
