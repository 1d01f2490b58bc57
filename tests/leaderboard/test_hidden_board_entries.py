"""Entry pages follow the board: while a phase hides its board (``board_visible`` off), its entries
are their owner's and staff's only; ids cannot be walked to read the hidden board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jobs.models import Job, JobStatus
from leaderboard.models import Entry
from phases.models import Phase
from submissions.models import Submission


@pytest.fixture
def alices_entry(alice):
    submission = Submission.objects.create(
        owner=alice, benchmark="toy", method="hidden-gem", sha256="0" * 64, size_bytes=1, archive="x.zip"
    )
    Job.objects.create(
        submission=submission,
        owner=alice,
        benchmark="toy",
        resource_class="small",
        status=JobStatus.COMPLETED,
        finished_at=timezone.now(),
        metrics={"accuracy": 0.97},
    )
    return Entry.objects.create(benchmark="toy", owner=alice, method="hidden-gem")


def _page(user, entry) -> int:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/entries/{entry.pk}/").status_code


def test_entries_of_a_hidden_board_are_the_owners_and_staffs(alices_entry, alice, bob, staff):
    now = timezone.now()
    phase = Phase.objects.create(
        benchmark="toy",
        name="dark",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        board_visible=False,
    )
    assert (_page(None, alices_entry), _page(bob, alices_entry)) == (404, 404)
    assert (_page(alice, alices_entry), _page(staff, alices_entry)) == (200, 200)
    phase.board_visible = True  # the board shows: so does its entry
    phase.save()
    assert (_page(None, alices_entry), _page(bob, alices_entry)) == (200, 200)


def test_a_hidden_entry_is_its_owners_and_staffs(alices_entry, alice, bob, staff):
    Entry.objects.filter(pk=alices_entry.pk).update(hidden=True, hidden_reason="duplicate")
    assert (_page(None, alices_entry), _page(bob, alices_entry)) == (404, 404)
    assert (_page(alice, alices_entry), _page(staff, alices_entry)) == (200, 200)


def test_a_hidden_boards_entry_ends_when_the_phase_does(alices_entry, bob):
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="over",
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        board_visible=False,
    )
    assert _page(bob, alices_entry) == 200  # an ended phase shows its board


def test_the_front_page_does_not_count_a_hidden_boards_entries(alices_entry):
    from leaderboard.selectors import benchmark_summaries

    def toy_entries() -> int:
        return next(s["entries"] for s in benchmark_summaries() if s["benchmark"].slug == "toy")

    assert toy_entries() == 1
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="dark",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        board_visible=False,
    )
    assert toy_entries() == 0
