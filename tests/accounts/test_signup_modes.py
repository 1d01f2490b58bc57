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


def _settings_with(**env) -> dict:
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['ACCOUNT_EMAIL_VERIFICATION', 'ACCOUNT_SIGNUP_FIELDS', 'EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', "
        "'EMAIL_USE_TLS', 'LB_SIGNUP']}))"
    )
    # As every entry point does (manage.py, wsgi, asgi): the data dir exists before the apps load.
    prepare = "from config.startup import prepare_data_dir; prepare_data_dir()"
    clean = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "LB_SIGNUP")}
    result = subprocess.run(
        [sys.executable, "-c", f"{prepare}; import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_email_verification_only_with_email_url(tmp_path):
    without = _settings_with(LB_DATA_DIR=str(tmp_path / "a"))
    assert without["ACCOUNT_EMAIL_VERIFICATION"] == "none" and "email" in without["ACCOUNT_SIGNUP_FIELDS"]
    assert without["LB_SIGNUP"] == "invite"  # the production default
    mail = _settings_with(LB_DATA_DIR=str(tmp_path / "b"), EMAIL_URL="smtp+tls://u:p@mail.test:587")
    assert mail["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory" and "email*" in mail["ACCOUNT_SIGNUP_FIELDS"]
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"], mail["EMAIL_USE_TLS"]) == ("mail.test", 587, True)
    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
