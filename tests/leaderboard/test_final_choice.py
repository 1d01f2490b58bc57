"""Final-submission choice: marks through the API, /api/me, and ranking only finals on the private part."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leaderboard.finals import phases_reveal_due
from leaderboard.models import FinalMark
from tests.leaderboard.conftest import entry_of


def final(client, of, **body):
    return client.post(f"/api/entries/{entry_of(of).pk}/final", body, format="json")


def private_board(client):
    return client.get("/api/leaderboard", {"benchmark": "toy"}).json()


def reveal_after(phase):
    with time_machine.travel(phase.ends_at + timedelta(seconds=1), tick=False):
        assert phases_reveal_due() == 1


def test_mark_unmark_and_me_shows_marks_and_remaining(make_phase, alice, bob, as_alice, scored):
    make_phase(final_max=2)
    a, b, c = (scored(alice, m, 0.5 + i / 10, 0.5) for i, m in enumerate(["a", "b", "c"]))
    better_a = scored(alice, "a", 0.9, 0.1)
    response = final(as_alice, a)
    assert response.status_code == 200, response.json()
    assert response.json()["marks"][0]["job"] == str(better_a.pk)  # default: the entry's best public job
    assert final(as_alice, a, job=str(a.pk)).json()["marks"][0]["job"] == str(a.pk)  # re-pinned, same slot
    assert final(as_alice, b).json()["remaining"] == 0
    refused = final(as_alice, c)
    assert refused.status_code == 409 and refused.json()["error"] == "final_limit_reached"
    me = as_alice.get("/api/me").json()["finals"]
    assert [(f["benchmark"], f["final_max"], f["remaining"]) for f in me] == [("toy", 2, 0)]
    assert {m["method"] for m in me[0]["marks"]} == {"a", "b"}
    assert "best public entry" in me[0]["rule"]
    assert as_alice.delete(f"/api/entries/{entry_of(a).pk}/final").json()["remaining"] == 1
    assert final(as_alice, c).status_code == 200


def test_marks_are_refused_where_they_make_no_sense(make_phase, alice, bob, as_alice, as_bob, scored):
    phase = make_phase()
    mine = scored(alice, "a", 0.5, 0.5)
    bobs = scored(bob, "b", 0.5, 0.5)
    assert final(as_alice, bobs).status_code == 404  # someone else's entry
    assert final(as_alice, mine, job=str(bobs.pk)).json()["error"] == "job_not_in_entry"
    assert final(as_alice, mine, job="not-a-uuid").status_code == 400
    with time_machine.travel(phase.ends_at, tick=False):
        assert final(as_alice, mine).json()["error"] == "phase_ended"  # marks freeze at the end


def test_public_phase_has_no_final_choice(make_phase, alice, as_alice, scored):
    make_phase(ranks_on="public")
    response = final(as_alice, scored(alice, "a", 0.5, 0.5))
    assert response.status_code == 409 and response.json()["error"] == "no_final_choice"


def test_fifty_submissions_two_final_ranked_privately_on_those_two_only(
    make_phase, alice, bob, as_alice, anonymous, scored
):
    phase = make_phase(final_max=2)
    jobs = [scored(alice, f"v{i:02d}", 0.5 + i / 200, 0.40 + (i % 7) / 100) for i in range(50)]
    lucky = scored(alice, "v07", 0.51, 0.99)  # the unmarked variant with the best private score
    assert final(as_alice, jobs[3], job=str(jobs[3].pk)).status_code == 200
    assert final(as_alice, jobs[40], job=str(jobs[40].pk)).status_code == 200
    scored(bob, "solid", 0.6, 0.44)
    assert private_board(anonymous)["ranked_on"] == "public"
    reveal_after(phase)
    data = private_board(anonymous)
    assert data["ranked_on"] == "private"
    alices = [row for row in data["rows"] if row["user"] == "alice"]
    assert {row["job"] for row in alices} == {str(jobs[3].pk), str(jobs[40].pk)}
    assert str(lucky.pk) not in {row["job"] for row in data["rows"]}
    assert sorted(row["metrics"]["accuracy"] for row in alices) == pytest.approx(
        sorted([jobs[3].private_metrics["accuracy"], jobs[40].private_metrics["accuracy"]])
    )
    assert [(row["user"], row["method"]) for row in data["rows"]] == [
        ("alice", "v40"),
        ("bob", "solid"),
        ("alice", "v03"),
    ]  # 0.45, 0.44, 0.43


def test_user_with_no_mark_is_ranked_on_best_public_entry(make_phase, bob, anonymous, scored, as_bob):
    phase = make_phase()
    scored(bob, "steady", 0.6, 0.9)
    best_public = scored(bob, "flashy", 0.8, 0.5)
    scored(bob, "hidden-gem", 0.7, 0.99)
    reveal_after(phase)
    rows = private_board(anonymous)["rows"]
    assert [(row["method"], row["job"], row["metrics"]["accuracy"]) for row in rows] == [
        ("flashy", str(best_public.pk), 0.5)
    ]
    mark = FinalMark.objects.get(owner=bob)
    assert mark.by_default and mark.job_id == best_public.pk
    assert as_bob.get("/api/me").json()["finals"][0]["marks"][0]["by_default"] is True


def test_hidden_entries_are_not_final(make_phase, alice, staff, as_alice, anonymous, scored):
    from leaderboard.services import entry_hide

    phase = make_phase()
    cheat = scored(alice, "cheat", 0.99, 0.99)
    honest = scored(alice, "honest", 0.6, 0.7)
    entry_hide(entry=entry_of(cheat), actor=staff, reason="trained on the test set")
    assert final(as_alice, cheat).json()["error"] == "entry_hidden"
    reveal_after(phase)
    assert [row["job"] for row in private_board(anonymous)["rows"]] == [str(honest.pk)]


def test_no_phase_benchmark_keeps_marks_through_the_close(alice, bob, staff, as_alice, anonymous, scored, settings):
    from leaderboard.services import benchmark_close

    keep = scored(alice, "keep", 0.5, 0.6)
    scored(alice, "best-public", 0.9, 0.1)
    scored(bob, "b", 0.7, 0.7)
    assert final(as_alice, keep).status_code == 200
    outcome = benchmark_close(slug="toy", actor=staff)
    assert outcome.revealed and outcome.phase.name == "Open" and outcome.phase.ends_at <= timezone.now()
    rows = private_board(anonymous)["rows"]
    assert [(r["user"], r["method"], r["rank"], r["public_rank"], r["movement"]) for r in rows] == [
        ("bob", "b", 1, 1, "="),
        ("alice", "keep", 2, 2, "="),
    ]


def test_entry_page_marks_and_shows_private_only_for_revealed_finals(make_phase, alice, client, scored):
    phase = make_phase()
    chosen = scored(alice, "chosen", 0.5, 0.123456)
    other = scored(alice, "other", 0.4, 0.654321)
    client.force_login(alice)
    page = f"/entries/{entry_of(chosen).pk}/"
    assert "Mark final" in client.get(page).content.decode()
    response = client.post(f"/entries/{entry_of(chosen).pk}/final", {"action": "mark"}, follow=True)
    assert "Marked final." in response.content.decode() and "This entry is final" in response.content.decode()
    assert FinalMark.objects.get(owner=alice).job_id == chosen.pk
    reveal_after(phase)
    client.logout()
    assert "0.1235" in client.get(page).content.decode()  # revealed final: private part shown
    assert "0.6543" not in client.get(f"/entries/{entry_of(other).pk}/").content.decode()  # not final: kept
