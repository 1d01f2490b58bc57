"""The sandbox measures what a run cost: CPU seconds of its processes (children included) and peak memory,
reported in RunOutcome for the board's compute column (issue 34)."""

from __future__ import annotations

import pytest

from tests.sandbox.test_sandbox_run import run

# ~1 s of CPU in a child process (what a trainer's worker processes do), 60 MiB held, then a pause
# (the meter samples once a second: the pause lets it see the reaped child in its parent's counters).
BUSY = """\
import subprocess, sys, time
subprocess.run([sys.executable, "-c", "import time\\nt = time.process_time()\\nwhile time.process_time() - t < 1.0: pass"], check=True)
block = bytearray(60 * 2**20)
for i in range(0, len(block), 4096): block[i] = 1
time.sleep(1.5)
"""


@pytest.mark.parametrize("backend", ["none", "bubblewrap"])
def test_cpu_seconds_include_child_processes_and_peak_memory_is_measured(backend, tmp_path):
    outcome, log = run(backend, tmp_path, BUSY)
    assert outcome.kind == "ok", log
    assert 0.8 <= outcome.cpu_s <= outcome.duration_s * 2 + 1
    assert outcome.peak_mem_mb >= 60


def test_an_idle_run_costs_next_to_no_cpu(tmp_path):
    outcome, log = run("none", tmp_path, "import time\ntime.sleep(0.5)\n")
    assert outcome.kind == "ok", log
    assert outcome.duration_s >= 0.5 and outcome.cpu_s < 0.4
