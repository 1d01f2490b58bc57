"""The board page's countdown in real headless Chromium against a real ASGI server, on Playwright's fake clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ROOT, free_port, wait_for_http

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server_with_phase(tmp_path_factory):
    data = tmp_path_factory.mktemp("countdown-server")
    drop = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        LB_DATA_DIR=str(data),
        LB_BENCHMARKS="tests.support.toy:benchmarks",
        DJANGO_SETTINGS_MODULE="config.settings",
        LB_LOG_LEVEL="WARNING",
    )
    log = open(data / "server.log", "ab")
    ends_at = (datetime.now(UTC) + timedelta(days=1, hours=2)).replace(microsecond=0)
    create = (
        "from datetime import datetime, timedelta; from phases.models import Phase; "
        f"end = datetime.fromisoformat('{ends_at.isoformat()}'); "
        "Phase.objects.create(benchmark='toy', name='Sprint', starts_at=end - timedelta(days=3), ends_at=end)"
    )
    for command in (["migrate", "--noinput"], ["shell", "-c", create]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=180,
        )
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.agents.static_asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/", timeout=60, process=process)
        yield url, ends_at
    finally:
        process.terminate()
        process.wait(10)


def test_countdown_ticks_down_to_the_end(server_with_phase):
    from playwright.sync_api import sync_playwright

    url, ends_at = server_with_phase
    start = ends_at - timedelta(days=1, hours=2)  # the fake "now" of the page
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.clock.install(time=start)
        page.goto(url + "/leaderboard/toy/")
        assert "Phase: Sprint" in page.inner_text("#phase")
        page.clock.pause_at(start + timedelta(seconds=10))
        page.clock.run_for(1000)
        assert page.inner_text("#countdown") == "1 d 01:59:49"
        page.clock.fast_forward("01:00:00")
        page.clock.run_for(1000)
        assert page.inner_text("#countdown") == "1 d 00:59:48"
        page.clock.fast_forward("25:00:00")
        page.clock.run_for(1000)
        assert page.inner_text("#countdown") == "00:00:00"
        browser.close()
