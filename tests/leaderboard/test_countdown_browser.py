"""The board page's countdown in real headless Chromium against a real ASGI server, on Playwright's fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.browser_server import ARGS, CHROMIUM, toy_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server_with_phase(tmp_path_factory):
    ends_at = (datetime.now(UTC) + timedelta(days=1, hours=2)).replace(microsecond=0)
    create = (
        "from datetime import datetime, timedelta; from phases.models import Phase; "
        f"end = datetime.fromisoformat('{ends_at.isoformat()}'); "
        "Phase.objects.create(benchmark='toy', name='Sprint', starts_at=end - timedelta(days=3), ends_at=end)"
    )
    with toy_asgi_server(tmp_path_factory.mktemp("countdown-server"), create) as url:
        yield url, ends_at


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
