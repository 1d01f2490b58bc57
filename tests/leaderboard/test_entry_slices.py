"""Per-slice results on the entry page and in the results API (issue 31): each slice's primary metric with
its interval; the private part's slices only where the private part itself may be seen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leaderboard.models import FinalMark
from phases.models import Phase
from tests.leaderboard.conftest import entry_of
from tests.support import sliced_toy

# Public part: even items all right, odd items a quarter right; private: odd items 7 of 8 right (87.5%).
PUBLIC = [1, 1, 1, 0, 1, 0, 1, 0] * 2
PRIVATE = [1] * 8 + [1, 1, 1, 1, 1, 1, 1, 0]


@pytest.fixture
def job(db, alice):
    sliced_toy.register()
    yield sliced_toy.sliced_job(alice, "by-parity", PUBLIC, PRIVATE)
    sliced_toy.unregister()


def test_results_api_gives_each_slice_with_its_interval(as_alice, job):
    slices = as_alice.get(f"/api/jobs/{job.pk}/results").json()["slices"]
    by_name = {s["name"]: s for s in slices}
    assert set(by_name) == {"even", "odd"} and {s["group"] for s in slices} == {"parity"}
    assert by_name["even"]["value"] == 1.0 and by_name["even"]["n"] == 8
    assert by_name["odd"]["value"] == 0.25 and by_name["odd"]["metric"] == "accuracy"
    low, high = by_name["odd"]["ci"]
    assert 0.0 <= low < 0.25 < high <= 1.0  # a real interval around the slice's value


def test_entry_page_shows_public_slices_and_hides_private_ones_before_the_reveal(anonymous, client, staff, job):
    entry = entry_of(job)
    page = anonymous.get(f"/entries/{entry.pk}/").content.decode()
    assert 'id="slices-table"' in page and ">odd<" in page and ">25.0<" in page
    assert "87.5" not in page  # the private odd slice
    client.force_login(staff)  # pages sign in by session
    assert "87.5" in client.get(f"/entries/{entry.pk}/").content.decode()


def test_private_slices_appear_once_the_job_is_revealed_as_final(anonymous, alice, job):
    now = timezone.now()
    phase = Phase.objects.create(
        benchmark=sliced_toy.SLUG, name="Final", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
    )
    entry = entry_of(job)
    FinalMark.objects.create(benchmark=sliced_toy.SLUG, phase=phase, owner=alice, entry=entry, job=job)
    assert "87.5" not in anonymous.get(f"/entries/{entry.pk}/").content.decode()  # marked, not yet revealed
    Phase.objects.filter(pk=phase.pk).update(revealed_at=now)
    assert "87.5" in anonymous.get(f"/entries/{entry.pk}/").content.decode()


def test_job_page_shows_the_public_slices_beside_its_pictures(anonymous, job):
    page = anonymous.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="slices-table"' in page and ">odd<" in page and ">25.0<" in page
    assert "87.5" not in page  # the private part's slices stay on the entry page, after the reveal
