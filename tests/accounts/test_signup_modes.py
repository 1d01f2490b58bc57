"""LB_SIGNUP: open, invite (one-use codes from staff) or closed."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from accounts.models import Invite
from accounts.services import invite_create

FORM = {"username": "newbie", "password1": "a-Long-passw0rd!", "password2": "a-Long-passw0rd!"}


def test_open_signup_creates_and_signs_in(client, db, settings):
    settings.LB_SIGNUP = "open"
    response = client.post("/accounts/signup/", FORM)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newbie")
    assert not user.is_staff and client.get("/jobs/").status_code == 200


def test_closed_signup_refuses(client, db, settings):
    settings.LB_SIGNUP = "closed"
    response = client.post("/accounts/signup/", FORM)
    assert not get_user_model().objects.filter(username="newbie").exists()
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]


def test_invite_signup_needs_an_unused_code(client, db, settings):
    settings.LB_SIGNUP = "invite"
    client.post("/accounts/signup/", FORM)
    assert not get_user_model().objects.filter(username="newbie").exists()
    invite = invite_create(note="for newbie")
    response = client.post(f"/accounts/signup/?invite={invite.code}", FORM)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newbie")
    invite.refresh_from_db()
    assert invite.used_by == user and invite.used_at is not None
    client.logout()
    again = {**FORM, "username": "second"}
    client.post(f"/accounts/signup/?invite={invite.code}", again)
    assert not get_user_model().objects.filter(username="second").exists()
    assert Invite.objects.count() == 1
