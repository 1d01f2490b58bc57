"""Teams in real headless Chromium against a real ASGI server: alice makes a team and invites bob by
username, bob accepts, then submits through the form as the team; both see the job."""

from __future__ import annotations

import re

import pytest

from tests.conftest import toy_files, zip_bytes
from tests.support.browser_server import ARGS, CHROMIUM, toy_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "Team-s3cret-pass"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = (
        "from django.contrib.auth import get_user_model; User = get_user_model(); "
        f"[User.objects.create_user(name, password='{PASSWORD}') for name in ('alice', 'bob')]"
    )
    with toy_asgi_server(tmp_path_factory.mktemp("teams-server"), users) as url:
        yield url


def _sign_in(browser, url: str, username: str):
    page = browser.new_context().new_page()
    page.set_default_timeout(30_000)
    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#signed-in-as")
    return page


def test_create_invite_accept_and_submit_as_the_team(server, tmp_path):
    from playwright.sync_api import sync_playwright

    archive = tmp_path / "sub.zip"
    archive.write_bytes(zip_bytes(toy_files()))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        alice = _sign_in(browser, server, "alice")
        alice.goto(server + "/teams/")
        alice.fill("#team-name", "Pair Lab")
        alice.click("#team-form button[type=submit]")
        alice.wait_for_selector("#invite-form")
        assert alice.inner_text("#members") == "alice"
        alice.fill("#invite-username", "bob")
        alice.click("#invite-form button[type=submit]")
        alice.wait_for_selector("text=Invited bob.")

        bob = _sign_in(browser, server, "bob")
        bob.goto(server + "/teams/")
        assert "Pair Lab (from alice)" in bob.inner_text("#invitations")
        bob.click("#invitations button")
        bob.wait_for_selector("#members")
        assert bob.inner_text("#members").split() == ["alice", "bob"]

        bob.goto(server + "/benchmarks/toy/submit")
        bob.fill("#id_method", "together")
        bob.set_input_files("#id_archive", str(archive))
        bob.select_option("#id_team", label="team Pair Lab")
        bob.click("#submit-button")
        bob.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
        job_url = bob.url
        assert "together" in bob.inner_text("h1")

        alice.goto(job_url)  # the team's job: alice sees it too
        assert "together" in alice.inner_text("h1")
        browser.close()
