"""Every page under the Content-Security-Policy in headless Chromium, through the real web tier
(nginx + gunicorn + uvicorn for the sockets): no page reports a CSP violation, and the pages
that script themselves still do (the live job page, the maze viewer, the submit form)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.agents.test_viewer_browser import ARGS, CHROMIUM
from tests.conftest import ROOT, zip_bytes
from tests.support.webtier import start_web_tier

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "Csp-staff-pass-1"

# Records every violation the page sees (the event fires for blocked scripts, styles, sockets ...).
RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    tier = start_web_tier(tmp_path_factory.mktemp("csp"), LB_SIGNUP="open")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        LB_DATA_DIR=str(tier.data_dir),
        LB_BENCHMARKS="tests.support.toy:benchmarks",
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser('root', 'root@example.org', '{PASSWORD}')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    yield tier
    tier.stop()


@pytest.fixture(scope="module")
def job_id(tier):
    headers = {"Authorization": f"Bearer {tier.token}"}
    upload = requests.post(
        f"{tier.url}/api/submissions",
        headers=headers,
        timeout=30,
        data={"benchmark": "toy", "method": "csp"},
        files={
            "archive": ("s.zip", zip_bytes({"main.py": "print(1)\n", "config.yaml": "flip: 0\n"}), "application/zip")
        },
    )
    assert upload.status_code == 201, upload.text
    job = requests.post(f"{tier.url}/api/jobs", headers=headers, json={"submission": upload.json()["id"]}, timeout=30)
    assert job.status_code in (200, 201, 202), job.text
    return job.json()["id"]


@pytest.fixture(scope="module")
def page(tier):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(30_000)
        page.add_init_script(RECORD)
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.console_messages = console
        page.goto(tier.url + "/accounts/login/")
        page.fill("input[name=login]", "root")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_selector("#signed-in-as")
        yield page
        browser.close()


def _violations(page) -> list[str]:
    seen = page.evaluate("window.__csp || []")
    said = [text for text in page.console_messages if "Content Security Policy" in text]
    return seen + said


PAGES = [
    "/",
    "/leaderboard/toy/",
    "/me/",
    "/jobs/",
    "/benchmarks/toy/submit",
    "/tokens/",
    "/api/",
    "/api/benchmarks",
    "/agents/",
    "/agents/training/",
    "/agents/experiments/",
    "/fleet/",
    "/admin/",
    "/admin/accounts/apitoken/",
    "/accounts/email/",
    "/api/docs/",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_reports_a_violation(tier, page, path):
    page.console_messages.clear()
    response = page.goto(tier.url + path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    assert _violations(page) == [], path


def test_the_live_job_page_still_runs_its_script_and_socket(tier, page, job_id):
    page.console_messages.clear()
    page.goto(f"{tier.url}/jobs/{job_id}/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the live socket sends the status
    assert _violations(page) == []
    assert page.evaluate("document.querySelectorAll('script[src]').length") >= 1


def test_the_maze_viewer_draws_under_the_policy(tier, page):
    page.console_messages.clear()
    page.goto(tier.url + "/agents/")
    page.wait_for_timeout(2500)  # the viewer's socket streams frames onto the canvas
    assert _violations(page) == []
