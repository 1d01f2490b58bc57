"""Sign-ups racing on one invitation code: exactly one account is made, the others are refused."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from accounts.models import Invite
from accounts.services import invite_create

RACERS = 4


def race_signups(code: str) -> list[tuple[int, str]]:
    """POST the sign-up form RACERS times at once (one browser each); (status, page) of each, sorted."""
    barrier = threading.Barrier(RACERS)
    statuses: list[tuple[int, str]] = []

    def sign_up(n: int) -> None:
        try:
            browser = Client()
            browser.get(f"/accounts/signup/?invite={code}")  # the link staff send: the code goes into the session
            barrier.wait()
            response = browser.post(
                "/accounts/signup/",
                {"username": f"racer{n}", "password1": "a-Long-passw0rd!", "password2": "a-Long-passw0rd!"},
            )
            statuses.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_racing_signups_on_one_invite_make_one_account(settings):
    settings.LB_SIGNUP = "invite"
    settings.ACCOUNT_RATE_LIMITS = False
    invite = invite_create(note="one seat")
    statuses = race_signups(invite.code)
    users = list(get_user_model().objects.filter(username__startswith="racer"))
    assert len(users) == 1, f"{len(users)} accounts from one invite (statuses {statuses})"
    invite.refresh_from_db()
    assert invite.used_by == users[0] and invite.used_at is not None
    assert [status for status, _ in statuses].count(302) == 1  # the winner is signed in and redirected
    for status, page in statuses:  # the others are told why: the code was used meanwhile, or is used already
        assert (
            status == 302
            or (status == 409 and "Invitation already used" in page)
            or (status == 200 and "Sign Up Closed" in page)
        ), (status, page[:300])
    assert Invite.objects.count() == 1
