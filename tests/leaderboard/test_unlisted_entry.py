"""An owner may unlist an entry: it leaves the public board (and its jobs' public pages), keeps
counting for finals, and is ranked in the private ranking at the reveal when it is final."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client

from leaderboard.finals import final_mark, phases_reveal_due
from tests.leaderboard.conftest import entry_of


def _users(client) -> list[str]:
    return [row["user"] for row in client.get("/api/leaderboard", {"benchmark": "toy"}).json()["rows"]]


def test_an_unlisted_entry_is_off_the_public_board_but_its_owner_keeps_it(scored, alice, bob, as_alice, anonymous):
    job = scored(alice, "wip", 0.9, 0.9)
    scored(bob, "bobs", 0.8, 0.8)
    entry = entry_of(job)
    assert _users(anonymous) == ["alice", "bob"]
    response = as_alice.patch(f"/api/entries/{entry.pk}", {"unlisted": True}, format="json")
    assert response.status_code == 200 and response.json()["unlisted"] is True
    assert _users(anonymous) == ["bob"]
    assert _users(as_alice) == ["bob"]  # the public board is the same for everyone
    bobs_view = Client()
    bobs_view.force_login(bob)
    assert bobs_view.get(f"/entries/{entry.pk}/").status_code == 404
    assert bobs_view.get(f"/jobs/{job.pk}/").status_code == 404  # its jobs are no longer public
    owners_view = Client()
    owners_view.force_login(alice)
    assert "Unlisted: off the public board" in owners_view.get(f"/entries/{entry.pk}/").content.decode()
    owners_view.post(f"/entries/{entry.pk}/listing", {"unlisted": "0"})
    assert _users(anonymous) == ["alice", "bob"]


def test_an_unlisted_final_entry_is_ranked_at_the_reveal(make_phase, scored, alice, bob, as_alice, anonymous):
    phase = make_phase()
    job = scored(alice, "secret", 0.6, 0.99)
    scored(bob, "open", 0.8, 0.5)
    final_mark(user=alice, entry_id=entry_of(job).pk)
    as_alice.patch(f"/api/entries/{entry_of(job).pk}", {"unlisted": True}, format="json")
    assert _users(anonymous) == ["bob"]
    with time_machine.travel(phase.ends_at + timedelta(minutes=1), tick=False):
        assert phases_reveal_due() == 1
    data = anonymous.get("/api/leaderboard", {"benchmark": "toy"}).json()
    assert data["ranked_on"] == "private"
    assert [(r["user"], r["rank"]) for r in data["rows"]] == [("alice", 1), ("bob", 2)]
