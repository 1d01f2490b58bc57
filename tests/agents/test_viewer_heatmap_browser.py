"""The viewer's heatmap and staff's model switch in real headless Chromium against uvicorn.

The heatmap toggle paints every floor cell by the policy's best action score, with a legend; the
canvas pixels match the colour scale at the best and worst cells. Staff pick another policy in the
viewer, make it everyone's default through POST /api/models/active, and the viewer replays it with its
own values and arrows. Set AGENTS_SCREENSHOT_DIR to keep docs/screenshots/agents-viewer-heatmap.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.agents.test_viewer_browser import ARGS, CHROMIUM, Server, near

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOW, HIGH = (239, 246, 255), (220, 38, 38)  # HEAT_STOPS' ends in static/agents/maze_canvas.js
REGISTER_SECOND_POLICY = """
from pathlib import Path
from agents.models import ModelSource
from agents.services import model_register
from benchmarks.maze.reference_policies import depth_first_policy
import tempfile
path = depth_first_policy(Path(tempfile.mkdtemp()) / "dfs.onnx")
model = model_register(path=path, name="depth-first", source=ModelSource.UPLOAD, metadata={"algorithm": "rule"})
model.baseline = True
model.save(update_fields=["baseline"])
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("heatmap-server"), DJANGO_SUPERUSER_PASSWORD="pw-for-tests")
    server.manage("createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.org")
    server.manage("shell", "-c", REGISTER_SECOND_POLICY)
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


def corner(page, cell) -> tuple[int, int, int]:
    """The canvas colour just inside a cell's top-left corner (clear of the arrow and the marks)."""
    return tuple(
        page.evaluate(
            """([r, c]) => { const cv = document.getElementById('maze'), size = Math.floor(cv.width / 10);
            return Array.from(cv.getContext('2d').getImageData(c * size + 3, r * size + 3, 1, 1).data.slice(0, 3)); }""",
            list(cell),
        )
    )


def values(page) -> dict:
    return page.evaluate("window.viewerState.values")


def extremes(page) -> tuple[tuple[int, int], tuple[int, int]]:
    s = page.evaluate("({start: window.viewerState.start, goal: window.viewerState.goal})")
    cells = [(r, c, max(scores)) for r, c, scores in values(page)["cells"] if [r, c] not in (s["start"], s["goal"])]
    low = min(cells, key=lambda cell: cell[2])
    high = max(cells, key=lambda cell: cell[2])
    return low[:2], high[:2]


def test_heatmap_legend_toggle_and_staff_switch(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page.goto(server.url + "/admin/login/?next=/agents/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.wait_for_url("**/agents/")
    page.wait_for_function("window.viewerState && window.viewerState.values !== null")
    first = page.evaluate("window.viewerState.modelId")

    # The arrows are the values' best actions.
    arrows = {(r, c): a for r, c, a in page.evaluate("window.viewerState.arrows")}
    for r, c, scores in values(page)["cells"]:
        assert arrows[(r, c)] == scores.index(max(scores))

    low, high = extremes(page)
    assert page.is_hidden("#heat-legend")
    plain = corner(page, high)
    page.check("#heatmap")
    assert page.is_visible("#heat-legend")
    assert page.inner_text("#heat-min") == f"{values(page)['min']:.2f}"
    assert page.inner_text("#heat-max") == f"{values(page)['max']:.2f}"
    assert near(corner(page, high), HIGH, 12) and near(corner(page, low), LOW, 12)
    assert not near(plain, HIGH, 40)  # the colour came from the heatmap
    folder = os.environ.get("AGENTS_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / "agents-viewer-heatmap.png"), full_page=False)
    page.uncheck("#heatmap")
    assert page.is_hidden("#heat-legend") and not near(corner(page, high), HIGH, 40)

    # Staff: make the other policy active from the viewer; the socket replays it with its own values.
    page.click("[data-tab=config]")
    other = page.evaluate(
        "[...document.querySelectorAll('#active-model option')].map(o => Number(o.value)).find(v => v !== window.viewerState.modelId)"
    )
    before = values(page)["cells"]
    page.select_option("#active-model", str(other))
    page.click("#activate")
    page.wait_for_function("document.getElementById('activate-status').textContent.startsWith('Active:')")
    page.wait_for_function(f"window.viewerState.modelId === {other}")
    assert values(page)["cells"] != before and first != other
    active = page.evaluate("async () => (await (await fetch('/api/models/active')).json()).id")
    assert active == other
    page.close()
