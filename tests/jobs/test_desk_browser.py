"""The submitter's desk in real headless Chromium against a real stack (uvicorn web, Huey
worker, bubblewrap sandbox, MLflow), as a non-staff user: sign up, sign in, make a token,
upload through the form, watch status and log change live with no reload, see metrics
and a picture, find the job under My jobs, sign out."""

from __future__ import annotations

import re
import time
import zipfile

import pytest
import requests

from tests.agents.test_viewer_browser import ARGS, CHROMIUM
from tests.conftest import toy_files, zip_bytes
from tests.support.desk import TICKING_MAIN, start_desk_stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "Carol-s3cret-pass"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mlflow_server):
    stack = start_desk_stack(tmp_path_factory.mktemp("desk"), mlflow_server)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def erin(stack):
    """A second non-staff user with a password, made the way an operator would."""
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('erin', password='{PASSWORD}')",
    )
    return "erin"


def sign_in(page, stack, username: str) -> None:
    page.goto(stack.url + "/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#signed-in-as")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def test_sign_up_submit_watch_live_and_sign_out(stack, browser, tmp_path):
    # bypass_csp: wait_for_function evaluates strings, which the site's CSP forbids;
    # tests/core/test_csp_browser.py loads these pages under the policy.
    page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page.set_default_timeout(60_000)
    url = stack.url

    # Sign up (LB_SIGNUP=open), then sign out and in again.
    page.goto(url + "/accounts/signup/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#signed-in-as")
    assert "carol" in page.inner_text("#signed-in-as")
    page.click("#sign-out")
    page.wait_for_selector("#sign-in")
    page.click("#sign-in")
    page.fill("input[name=login]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#signed-in-as")
    for link in ("Benchmarks", "My jobs", "Agents", "API"):
        assert page.locator("nav a", has_text=link).count() == 1

    # Make a token; it works as carol's.
    page.goto(url + "/tokens/")
    page.fill("#id_name", "laptop")
    page.select_option("#id_expires_in_days", "30")
    page.click("#token-form button[type=submit]")
    raw = page.inner_text("#new-token-value").strip()
    me = requests.get(url + "/api/me", headers={"Authorization": f"Bearer {raw}"}, timeout=10)
    assert me.status_code == 200 and me.json()["username"] == "carol"
    assert "laptop" in page.inner_text("#tokens")

    # Upload an example through the form: board page → submit form → job page.
    archive = tmp_path / "ticking.zip"
    archive.write_bytes(zip_bytes(toy_files(main=TICKING_MAIN)))
    page.goto(url + "/leaderboard/toy/")
    page.click("#submit-link")
    page.fill("#id_method", "ticking-parity")
    page.set_input_files("#id_archive", str(archive))
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
    job_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.evaluate("window.__sameDocument = true")

    # Live: the status and the log change while it runs, without a reload.
    page.wait_for_function("document.getElementById('job-status').textContent === 'running'")
    page.wait_for_function("document.getElementById('job-log').textContent.includes('tick 1')")
    seen_running = page.evaluate("""() => ({status: document.getElementById('job-status').textContent,
                                            log: document.getElementById('job-log').textContent})""")
    page.wait_for_function("document.getElementById('job-log').textContent.includes('tick 4')")
    later = page.inner_text("#job-log")
    assert seen_running["status"] == "running" and "tick 4" not in seen_running["log"] and "tick 4" in later
    page.wait_for_function("document.getElementById('job-status').textContent === 'completed'", timeout=120_000)

    # Metrics with the interval, and the scorer's picture, swapped in without a reload.
    page.wait_for_selector("#metrics")
    metrics = page.inner_text("#metrics")
    results = requests.get(
        f"{url}/api/jobs/{job_id}/results", headers={"Authorization": f"Bearer {raw}"}, timeout=10
    ).json()
    low, high = results["primary_ci"]
    assert results["metrics"]["accuracy"] < 1  # the ticking example gets some items wrong
    assert f"accuracy primary\t{results['metrics']['accuracy']:.4f}\t{low:.3f}–{high:.3f}" in metrics
    page.wait_for_function("""() => [...document.querySelectorAll('#pictures img')].some(
                                 (img) => img.complete && img.naturalWidth > 0)""")
    assert page.locator("#pictures img").first.get_attribute("loading") == "lazy"
    assert page.locator("#mlflow-link").count() == 1
    assert page.evaluate("window.__sameDocument") is True

    # My jobs lists it, completed.
    page.click("nav a:has-text('My jobs')")
    row = page.locator(f"tr[data-job='{job_id}']")
    assert "ticking-parity" in row.inner_text() and "completed" in row.inner_text()

    # Sign out.
    page.click("#sign-out")
    page.wait_for_selector("#sign-in")
    assert page.locator("#signed-in-as").count() == 0
    page.goto(url + "/jobs/")
    assert "/accounts/login/" in page.url
    page.close()


def test_the_form_works_without_javascript(stack, browser, erin, tmp_path):
    """A plain multipart POST from a browser with scripts off still lands on the job page."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, stack, erin)
    archive = tmp_path / "plain.zip"
    archive.write_bytes(zip_bytes(toy_files()))
    page.goto(stack.url + "/benchmarks/toy/submit")
    page.set_input_files("#id_archive", str(archive))
    page.click("#submit-button")  # no method name: the error is shown beside its field
    assert "required" in page.inner_text("[data-for=method]")
    page.fill("#id_method", "no-script")
    page.set_input_files("#id_archive", str(archive))
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
    assert "no-script" in page.inner_text("h1")
    context.close()


def test_an_archive_dropped_on_the_form_is_uploaded(stack, browser, erin):
    """Drag and drop: an archive dropped on the drop zone is what the form uploads."""
    import base64

    page = browser.new_page(bypass_csp=True)
    page.set_default_timeout(60_000)
    sign_in(page, stack, erin)
    page.goto(stack.url + "/benchmarks/toy/submit")
    payload = base64.b64encode(zip_bytes(toy_files())).decode()
    transfer = page.evaluate_handle(
        """(b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], "dropped.zip", {type: "application/zip"}));
        return data; }""",
        payload,
    )
    page.dispatch_event("#dropzone", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    assert page.evaluate("document.getElementById('id_archive').files[0].name") == "dropped.zip"
    page.fill("#id_method", "dropped")
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
    assert "dropped" in page.inner_text("h1")
    page.close()


def test_upload_progress_is_shown(stack, browser, erin, tmp_path):
    """On a slow link (Chromium's network emulation) the progress bar climbs while the archive uploads."""
    import os

    page = browser.new_page(bypass_csp=True)
    page.set_default_timeout(60_000)
    sign_in(page, stack, erin)
    archive = tmp_path / "weights.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
        for name, content in toy_files().items():
            bundle.writestr(name, content)
        bundle.writestr("data/weights.bin", os.urandom(768 * 1024))
    page.goto(stack.url + "/benchmarks/toy/submit")
    page.fill("#id_method", "slow-link")
    page.set_input_files("#id_archive", str(archive))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 256 * 1024},
    )
    page.click("#submit-button")
    page.wait_for_function("""() => { const p = document.getElementById('upload-progress');
                                      return p && !p.hidden && p.value > 0 && p.value < 100; }""")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
    assert "slow-link" in page.inner_text("h1")
    page.close()


def test_my_jobs_status_updates_without_reload(stack, browser, erin):
    """A job queued from a script shows up under My jobs and its status cell changes in place."""
    page = browser.new_page(bypass_csp=True)
    page.set_default_timeout(60_000)
    sign_in(page, stack, erin)
    raw = None
    page.goto(stack.url + "/tokens/")
    page.fill("#id_name", "script")
    page.click("#token-form button[type=submit]")
    raw = page.inner_text("#new-token-value").strip()
    headers = {"Authorization": f"Bearer {raw}"}
    submission = requests.post(
        stack.url + "/api/submissions",
        headers=headers,
        timeout=30,
        data={"benchmark": "toy", "method": "live-list"},
        files={"archive": ("s.zip", zip_bytes(toy_files(main=TICKING_MAIN)))},
    ).json()["id"]
    job = requests.post(stack.url + "/api/jobs", headers=headers, json={"submission": submission}, timeout=30).json()
    page.goto(stack.url + "/jobs/")
    page.evaluate("window.__sameDocument = true")
    cell = f"[data-live-status='{job['id']}']"
    assert page.inner_text(cell).startswith(("pending", "running"))
    page.wait_for_function(f"document.querySelector(\"{cell}\").textContent === 'completed'", timeout=120_000)
    assert page.evaluate("window.__sameDocument") is True
    page.close()
    time.sleep(0)  # keep the stack until both tests are done
