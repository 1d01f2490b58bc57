"""The training console in headless Chromium: a signed-in user starts a run from the form, the Huey worker
trains, the page's curves grow live over /ws/training, and the model lands in the registry."""

from __future__ import annotations

import os

import pytest
import requests

from tests.agents.test_viewer_browser import ARGS, CHROMIUM, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


INK = """([id, rgb]) => { const c = document.getElementById(id);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let hits = 0;
        for (let i = 0; i < d.length; i += 4)
            if (d[i + 3] > 200 && [0, 1, 2].every((k) => Math.abs(d[i + k] - rgb[k]) < 30)) hits++;
        return hits > 20; }"""


def canvas_has_ink(page, element_id: str, rgb: tuple[int, int, int]) -> bool:
    """Whether the chart canvas has pixels of its series colour (a curve was drawn)."""
    return page.evaluate(INK, [element_id, list(rgb)])


def test_console_trains_streams_curves_and_registers(tmp_path, mlflow_server):
    from playwright.sync_api import sync_playwright

    server = Server(
        tmp_path,
        MLFLOW_TRACKING_URI=mlflow_server,
        MLFLOW_UI_URL=mlflow_server,
        DJANGO_SUPERUSER_PASSWORD="pw-for-tests",
    )
    server.manage("createsuperuser", "--noinput", "--username", "trainer", "--email", "t@example.org")
    server.start()
    worker = server.start_worker()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # bypass_csp: wait_for_function evaluates strings (CSP: tests/core/test_csp_browser.py)
            page = browser.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=True)
            page.goto(server.url + "/admin/login/?next=/agents/training/")
            page.fill("#id_username", "trainer")
            page.fill("#id_password", "pw-for-tests")
            page.click("input[type=submit]")
            page.wait_for_url("**/agents/training/")
            page.select_option("select[name=maze_set]", "train-20")
            page.fill("input[name=timesteps]", "4096")
            page.fill("input[name=n_envs]", "4")
            page.click("#start")
            page.wait_for_function("document.getElementById('badge').dataset.state === 'connected'")
            # The reward curve appears once episodes finish (early reports have no reward yet).
            page.wait_for_function(f"({INK})(['reward-chart', [37, 99, 235]])", timeout=60000)
            assert "episode" in page.inner_text("#status") or "registered" in page.inner_text("#status")
            assert page.evaluate("window.trainingProgress") >= 2
            page.wait_for_function(
                "document.getElementById('status').textContent.includes('registered')", timeout=90000
            )
            assert canvas_has_ink(page, "success-chart", (22, 163, 74))
            if os.environ.get("AGENTS_SCREENSHOT_DIR"):
                page.screenshot(path=os.path.join(os.environ["AGENTS_SCREENSHOT_DIR"], "agents-training.png"))
            # The trained policy is its owner's until published: the signed-in page's session lists it.
            models = page.evaluate("async () => (await (await fetch('/api/models')).json()).results")
            browser.close()
        trained = [m for m in models if m["source"] == "training"]
        assert len(trained) == 1 and trained[0]["algorithm"] == "ppo" and trained[0]["published"] is False
        public = requests.get(server.url + "/api/models", timeout=5).json()["results"]
        assert trained[0]["id"] not in {m["id"] for m in public}
    finally:
        server.stop(worker)
        server.stop()
