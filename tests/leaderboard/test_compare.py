"""Two jobs side by side (issue 31): the paired bootstrap difference per metric and per slice, the config and
manifest diffs; the board's tick-two-rows form leads there; only what the viewer may see of each job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leaderboard.board_cache import board_changed
from leaderboard.models import FinalMark
from leaderboard.selectors import entry_id_for_job
from leaderboard.services import entry_hide
from phases.models import Phase
from tests.support import sliced_toy

FILES_A = [
    {"path": "main.py", "size": 10, "sha256": "a" * 64},
    {"path": "config.yaml", "size": 5, "sha256": "c" * 64},
    {"path": "old.py", "size": 1, "sha256": "d" * 64},
]
FILES_B = [
    {"path": "main.py", "size": 11, "sha256": "b" * 64},
    {"path": "config.yaml", "size": 5, "sha256": "c" * 64},
    {"path": "new.py", "size": 1, "sha256": "e" * 64},
]
# a: right on 36 of 40 public items, b on 20: a is better on (nearly) every resample. Private: 0.9 against 0.675.
PUBLIC_A, PUBLIC_B = [1.0] * 36 + [0.0] * 4, [1.0, 0.0] * 20
PRIVATE_A, PRIVATE_B = [1.0] * 36 + [0.0] * 4, [1.0] * 27 + [0.0] * 13


@pytest.fixture
def pair(db, alice, bob):
    sliced_toy.register()
    a = sliced_toy.sliced_job(
        alice, "sharp", PUBLIC_A, PRIVATE_A, files=FILES_A, config={"lr": 0.1, "layers": 3, "gone": "x"}
    )
    b = sliced_toy.sliced_job(bob, "blunt", PUBLIC_B, PRIVATE_B, files=FILES_B, config={"lr": 0.01, "layers": 3})
    yield a, b
    sliced_toy.unregister()


def compare(client, a, b):
    return client.get("/api/compare", {"a": str(a.pk), "b": str(b.pk)})


def test_paired_difference_with_interval_and_share_per_metric_and_slice(anonymous, pair):
    a, b = pair
    data = compare(anonymous, a, b).json()
    accuracy = next(row for row in data["public"]["metrics"] if row["metric"] == "accuracy")
    assert accuracy["a"] == 0.9 and accuracy["b"] == 0.5 and accuracy["difference"] == pytest.approx(0.4)
    low, high = accuracy["ci"]
    assert 0.0 < low < 0.4 < high and accuracy["differs"] is True
    assert accuracy["a_better_share"] > 0.99
    errors = next(row for row in data["public"]["metrics"] if row["metric"] == "errors")
    assert errors["difference"] == 4 - 20 and errors["ci"] is None  # no per-item data: no interval
    slices = {s["name"]: s for s in data["public"]["slices"]}
    assert set(slices) == {"even", "odd"}
    assert slices["odd"]["a"] == pytest.approx(18 / 20) and slices["odd"]["b"] == 0.0  # b misses every odd item
    assert slices["even"]["b"] == 1.0 and slices["even"]["a_better_share"] < 0.5  # b is as good or better there


def test_config_and_manifest_diff(anonymous, as_staff, pair):
    public_view = compare(anonymous, *pair).json()["manifest"]
    assert public_view["changed"] == [{"path": "main.py"}] and "sha256" not in str(public_view)  # others' hashes
    data = compare(as_staff, *pair).json()
    assert data["config"] == [{"key": "gone", "a": "x", "b": None}, {"key": "lr", "a": 0.1, "b": 0.01}]
    manifest = data["manifest"]
    assert [f["path"] for f in manifest["added"]] == ["new.py"]
    assert [f["path"] for f in manifest["removed"]] == ["old.py"]
    assert manifest["changed"] == [{"path": "main.py", "a_sha256": "a" * 64, "b_sha256": "b" * 64}]
    assert manifest["unchanged"] == 1


def test_private_part_only_after_the_reveal(anonymous, as_bob, as_staff, alice, bob, pair):
    a, b = pair
    for client in (anonymous, as_bob):
        data = compare(client, a, b).json()
        assert data["private"] is None
        assert "0.675" not in str(data)  # b's private accuracy appears nowhere
    assert compare(as_staff, a, b).json()["private"]["metrics"][0]["b"] == 0.675

    now = timezone.now()
    phase = Phase.objects.create(
        benchmark=sliced_toy.SLUG, name="Final", starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=1)
    )
    for job, user in ((a, alice), (b, bob)):
        FinalMark.objects.create(
            benchmark=sliced_toy.SLUG, phase=phase, owner=user, entry_id=entry_id_for_job(job), job=job
        )
    assert compare(anonymous, a, b).json()["private"] is None  # marked final, not revealed yet
    Phase.objects.filter(pk=phase.pk).update(revealed_at=now)
    board_changed(sliced_toy.SLUG)
    private = compare(anonymous, a, b).json()["private"]
    accuracy = private["metrics"][0]
    assert (accuracy["a"], accuracy["b"]) == (0.9, 0.675) and accuracy["ci"] is not None


def test_a_job_the_viewer_may_not_see_is_404(anonymous, as_alice, staff, pair):
    a, b = pair
    entry_hide(entry=_entry(b), actor=staff, reason="test")
    assert compare(anonymous, a, b).status_code == 404
    assert compare(as_alice, a, b).status_code == 404  # not alice's job, hidden from the board
    assert anonymous.get(f"/compare/{a.pk}/{b.pk}/").status_code == 404
    assert anonymous.get("/api/compare", {"a": "not-a-uuid", "b": str(a.pk)}).status_code == 404


def _entry(job):
    from leaderboard.models import Entry

    return Entry.objects.get(benchmark=job.benchmark, owner=job.owner, method=job.submission.method)


def test_board_ticks_lead_to_the_compare_page(anonymous, pair):
    a, b = pair
    board = anonymous.get(f"/leaderboard/{sliced_toy.SLUG}/").content.decode()
    assert f'name="job" value="{a.pk}"' in board and 'id="compare-button"' in board
    response = anonymous.get("/compare/", {"job": [str(a.pk), str(b.pk)]})
    assert response.status_code == 302 and response["Location"] == f"/compare/{a.pk}/{b.pk}/"
    page = anonymous.get(response["Location"]).content.decode()
    assert 'id="compare-public"' in page and "new.py" in page and "old.py" in page and 'id="private-hidden"' in page
    assert anonymous.get("/compare/", {"job": [str(a.pk)]}).status_code == 400
