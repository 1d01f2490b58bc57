"""The viewer in real headless Chromium against a real ASGI server (uvicorn).

Checks canvas pixels, not only the DOM. Set AGENTS_SCREENSHOT_DIR to keep screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, wait_for_http
from tests.support.browser_server import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AGENT, WALL, VISITED, ARROW = (37, 99, 235), (31, 41, 55), (191, 219, 254), (148, 163, 184)


class Server:
    """uvicorn serving config.asgi on a fixed port, with its own data dir; restartable."""

    def __init__(self, data_dir: Path, **extra_env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        drop = ("DATABASE_URL", "REDIS_URL", "LB_MODELS_DIR", "DJANGO_SETTINGS_MODULE")
        self.env = {k: v for k, v in os.environ.items() if k not in drop}
        self.env.update(
            LB_DATA_DIR=str(data_dir),
            LB_BENCHMARKS="benchmarks.maze:benchmarks",
            DJANGO_SETTINGS_MODULE="config.settings",
            LB_LOG_LEVEL="WARNING",
            **extra_env,
        )
        self.log = open(data_dir / "server.log", "ab")
        self.process = None
        for command in (["migrate", "--noinput"], ["bootstrap"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=self.env,
                check=True,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                timeout=120,
            )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.agents.static_asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws-ping-interval",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_http(self.url + "/agents/", timeout=60, process=self.process)

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )

    def start_worker(self) -> subprocess.Popen:
        """The Huey consumer, as in production (training runs there)."""
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_huey"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self, process: subprocess.Popen | None = None) -> None:
        process = process or self.process
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("agents-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    # bypass_csp: Playwright's wait_for_function evaluates strings, which the site's CSP forbids;
    # tests/core/test_csp_browser.py loads this page under the policy.
    page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page.goto(server.url + "/agents/")
    page.wait_for_function("window.viewerState && window.viewerState.grid !== null")
    page.wait_for_function("document.getElementById('badge').dataset.state === 'connected'")
    yield page
    page.close()


def state(page) -> dict:
    return page.evaluate("""() => { const s = window.viewerState;
        return {start: s.start, goal: s.goal, position: s.position, step: s.step, done: s.done,
                success: s.success, grid: s.grid, arrows: s.arrows, stepTimes: s.stepTimes}; }""")


def pixel(page, cell, *, corner: bool = False) -> tuple[int, int, int]:
    """Canvas colour at a cell's centre (or just inside its top-left corner)."""
    return tuple(
        page.evaluate(
            """([r, c, corner]) => {
        const cv = document.getElementById('maze'), size = Math.floor(cv.width / 10);
        const x = c * size + (corner ? 4 : size / 2), y = r * size + (corner ? 4 : size / 2);
        return Array.from(cv.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3)); }""",
            [cell[0], cell[1], corner],
        )
    )


def near(colour, expected, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


def shoot(page, name: str) -> None:
    folder = os.environ.get("AGENTS_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def test_canvas_shows_maze_arrows_and_agent_at_start(page):
    s = state(page)
    walls = [(r, c) for r, row in enumerate(s["grid"]) for c, ch in enumerate(row) if ch == "#"]
    assert all(near(pixel(page, cell), WALL, 5) for cell in walls[:10])
    assert near(pixel(page, s["start"]), AGENT)
    plain = [(r, c) for r, c, _ in s["arrows"] if [r, c] not in (s["start"], s["goal"])]
    assert sum(near(pixel(page, cell), ARROW, 30) for cell in plain) >= 0.8 * len(plain)  # arrow shafts


def test_play_moves_the_agent_pause_stops_reset_returns(page):
    s0 = state(page)
    page.fill("#speed", "10")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("window.viewerState.step >= 5")
    page.click("#pause")
    time.sleep(0.3)  # frames already in flight
    paused = state(page)
    assert paused["position"] != s0["start"]
    assert near(pixel(page, paused["position"]), AGENT) and not near(pixel(page, s0["start"]), AGENT)
    assert near(pixel(page, s0["start"], corner=True), VISITED, 25)  # visited cells are shaded
    shoot(page, "agents-viewer-playing.png")
    time.sleep(1.0)
    assert state(page)["step"] == paused["step"]  # pause stops the agent
    assert page.inner_text("#step-count") == str(paused["step"])
    page.click("#reset")
    page.wait_for_function("window.viewerState.step === 0")
    back = state(page)
    assert back["position"] == s0["start"] and near(pixel(page, s0["start"]), AGENT)


def test_speed_slider_changes_frame_rate(page):
    def intervals(speed: int, frames: int) -> float:
        page.click("#reset")
        page.wait_for_function("window.viewerState.step === 0")
        page.fill("#speed", str(speed))
        page.dispatch_event("#speed", "input")
        page.evaluate("window.viewerState.stepTimes = []")
        page.click("#play")
        page.wait_for_function(f"window.viewerState.stepTimes.length >= {frames}", timeout=15000)
        page.click("#pause")
        times = state(page)["stepTimes"][:frames]
        gaps = sorted(b - a for a, b in zip(times, times[1:]))
        return gaps[len(gaps) // 2]

    slow, fast = intervals(2, 4), intervals(16, 8)
    assert 350 < slow < 700  # about 500 ms between frames at 2 steps/s
    assert fast < slow / 4


def test_agent_solves_the_maze(page):
    page.fill("#speed", "40")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("window.viewerState.done", timeout=20000)
    s = state(page)
    assert s["success"] and s["position"] == s["goal"] and near(pixel(page, s["goal"]), AGENT)
    assert "reached the goal" in page.inner_text("#m-outcome")
    assert page.locator("#log tr").count() == s["step"]
    # The reward chart grew: its canvas is no longer blank.
    drawn = page.evaluate("""() => { const c = document.getElementById('chart');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).some(v => v > 0); }""")
    assert drawn
    shoot(page, "agents-viewer-solved.png")


def test_badge_reconnects_when_the_server_returns(page, server):
    assert page.inner_text("#badge") == "● Connected"
    server.stop()
    page.wait_for_function("document.getElementById('badge').dataset.state === 'reconnecting'", timeout=10000)
    assert page.inner_text("#badge") == "● Reconnecting..."
    colour = page.evaluate("getComputedStyle(document.getElementById('badge')).color")
    server.start()
    page.wait_for_function("document.getElementById('badge').dataset.state === 'connected'", timeout=20000)
    assert page.inner_text("#badge") == "● Connected"
    assert colour != page.evaluate("getComputedStyle(document.getElementById('badge')).color")
    page.wait_for_function("window.viewerState.grid !== null && window.viewerState.step === 0")


def test_layout_fits_a_phone(browser, server):
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, bypass_csp=True)
    phone.goto(server.url + "/agents/")
    phone.wait_for_function("window.viewerState && window.viewerState.grid !== null")
    width = phone.evaluate("document.documentElement.scrollWidth")
    canvas = phone.evaluate("document.getElementById('maze').getBoundingClientRect().width")
    assert width <= 390 and 300 <= canvas <= 390  # no sideways scrolling; the maze fills the width
    shoot(phone, "agents-viewer-phone.png")
    phone.close()
