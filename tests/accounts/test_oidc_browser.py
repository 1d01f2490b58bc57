"""Browser sign-in through a local OIDC issuer (started here, with a generated key), in
real Chromium: the identity links to a new local user (never the local account whose
name it claims), and a bearer JWT from the same issuer and subject is that same user."""

from __future__ import annotations

import pytest
import requests

from tests.agents.test_viewer_browser import ARGS, CHROMIUM
from tests.support.desk import start_desk_stack
from tests.support.oidc_issuer import Issuer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CLIENT_ID, SECRET = "leaders-board", "test-client-secret"


@pytest.fixture(scope="module")
def issuer():
    issuer = Issuer(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        claims={"sub": "idp-user-7", "preferred_username": "alice", "email": "alice@idp.test", "groups": ["admins"]},
    ).start()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, issuer):
    # LB_SIGNUP=invite (the production default): local sign-up needs an invitation, while
    # people of the issuer the operator configured may join by signing in.
    stack = start_desk_stack(
        tmp_path_factory.mktemp("oidc"),
        worker=False,
        LB_SIGNUP="invite",
        OIDC_ISSUER=issuer.url,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=SECRET,
        OIDC_AUDIENCE=CLIENT_ID,
        OIDC_PROVIDER_NAME="Test issuer",
    )
    yield stack  # the stack already has a local "alice" (issue_token), whose name the issuer claims
    stack.stop()


def test_browser_sign_in_links_the_same_user_as_a_bearer_jwt(stack, issuer):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(stack.url + "/accounts/login/")
        page.click("text=Test issuer")
        if "/accounts/oidc/" in page.url:  # allauth's confirm step (no sign-in on GET)
            page.click("form button[type=submit]")
        page.wait_for_url(f"{issuer.url}/authorize*")
        page.click("#consent")
        page.wait_for_selector("#signed-in-as")
        shown = page.inner_text("#signed-in-as strong").strip()
        browser.close()
    assert issuer.token_requests == 1
    assert shown != "alice"  # the claim did not take over the local alice

    # The same issuer and subject, as a bearer JWT on the API: the same local user.
    me = requests.get(stack.url + "/api/me", headers={"Authorization": f"Bearer {issuer.jwt()}"}, timeout=10)
    assert me.status_code == 200 and me.json()["username"] == shown
    # The local alice is still alice, reached by her own token only.
    local = requests.get(stack.url + "/api/me", headers={"Authorization": f"Bearer {stack.token}"}, timeout=10)
    assert local.json()["username"] == "alice"
    # Another subject claiming the same name is yet another user; groups grant no staff without a mapping.
    other = requests.get(
        stack.url + "/api/me", headers={"Authorization": f"Bearer {issuer.jwt(sub='idp-user-8')}"}, timeout=10
    ).json()
    assert other["username"] not in {"alice", shown}
    assert not me.json().get("is_staff", False)
