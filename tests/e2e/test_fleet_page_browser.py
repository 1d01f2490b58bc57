"""The staff fleet page in Debian's chromium (Playwright) against the real
stack: two workers on two "hosts", heartbeat ages updating over /ws/fleet/
without a reload, and a worker killed with -9 shown "gone" within the
heartbeat timeout."""

from __future__ import annotations

import time

import pytest

from tests.agents.test_viewer_browser import ARGS, CHROMIUM
from tests.e2e.test_pools import wait_alive

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "fleet-staff-password-1"
GPU_WORKER = """
from datetime import timedelta
from django.utils import timezone
from fleet.models import Worker
from fleet.services import worker_heartbeat, worker_register
worker_register(name="gpu-box:1", host="gpu-box", pid=1, version="abc", pools=["big"], gpu_status="1 GPU(s)",
                gpus=[{"index": 0, "name": "NVIDIA H200", "uuid": "GPU-0", "memory_total_mb": 143771.0}])
worker_heartbeat(name="gpu-box:1", current_job=None, telemetry=[{"index": 0, "name": "NVIDIA H200",
    "utilization_pct": 75.0, "memory_used_mb": 71885.5, "memory_total_mb": 143771.0, "temperature_c": 41.0,
    "power_w": 310.0, "processes": {}}])
Worker.objects.filter(name="gpu-box:1").update(heartbeat_at=timezone.now() + timedelta(hours=1))
"""


@pytest.mark.parametrize("pool_stack", ["redis"], indirect=True)
def test_fleet_page_is_live_and_shows_a_dead_worker_gone(pool_stack):
    from playwright.sync_api import sync_playwright

    stack = pool_stack
    worker_a = stack.start_worker(pools=["default"], host="host-a")
    worker_b = stack.start_worker(pools=["big"], host="host-b")
    wait_alive(stack, "default", 1)
    wait_alive(stack, "big", 1)
    stack.env["DJANGO_SUPERUSER_PASSWORD"] = PASSWORD
    stack.manage("createsuperuser", "--noinput", "--username", "staff", "--email", "staff@example.org")
    timeout_s = float(stack.env["LB_HEARTBEAT_TIMEOUT_S"])
    # A GPU host's record, as its heartbeat writes it (this machine has no GPU); dated an hour
    # ahead so it stays alive through the test.
    stack.manage("shell", "-c", GPU_WORKER)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # bypass_csp: wait_for_function evaluates strings (CSP: tests/core/test_csp_browser.py)
            page = browser.new_page(bypass_csp=True)
            page.goto(stack.url + "/fleet/")  # staff only: off to the admin login
            assert "/admin/login/" in page.url
            page.fill("#id_username", "staff")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.goto(stack.url + "/admin/")
            page.click("a[href='/fleet/']")  # linked from admin
            page.wait_for_function("document.getElementById('socket-state').textContent.startsWith('live')")

            row_a = f"tr[data-worker='host-a:{worker_a.pid}']"
            row_b = f"tr[data-worker='host-b:{worker_b.pid}']"
            assert page.inner_text(f"{row_a} .state") == "alive" and page.inner_text(f"{row_b} .state") == "alive"
            assert "default" in page.inner_text(row_a) and "big" in page.inner_text(row_b)
            assert "no GPU" in page.inner_text(f"{row_a} .gpus")
            # Per-GPU bars: utilisation, memory, temperature, sized by the readings.
            gpu = "tr[data-worker='gpu-box:1'] .gpu[data-gpu='0']"
            assert "NVIDIA H200" in page.inner_text(gpu) and "util 75 %" in page.inner_text(gpu)
            widths = page.eval_on_selector_all(f"{gpu} .bar > span", "spans => spans.map(s => s.style.width)")
            assert widths == ["75%", "50%", "41%"], widths

            # Heartbeats arrive over the socket (the row's heartbeat time changes) and the age shown
            # grows between them and drops at each one, in the same document (no reload).
            page.evaluate("window.sameDocument = true")
            beats, ages = [], []
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                beats.append(page.get_attribute(row_b, "data-heartbeat"))
                ages.append(float(page.inner_text(f"{row_b} .age").split()[0]))
                time.sleep(0.2)
            assert len(set(beats)) >= 3, beats
            assert any(b > a for a, b in zip(ages, ages[1:])) and any(b < a for a, b in zip(ages, ages[1:])), ages
            assert page.evaluate("window.sameDocument") is True

            stack.kill(worker_b)
            killed = time.monotonic()
            page.wait_for_function(
                f"document.querySelector(\"{row_b} .state\")?.textContent === 'gone'", timeout=(timeout_s + 5) * 1000
            )
            # Gone once its last heartbeat (≤ 1 s before the kill) is older than the timeout; the page
            # hears it at the next push (1 s).
            assert time.monotonic() - killed <= timeout_s + 2.5
            assert page.inner_text(f"{row_a} .state") == "alive"
            assert page.evaluate("window.sameDocument") is True
        finally:
            browser.close()
