"""Start-to-exit time of a trivial submission under each sandbox backend.

    .venv/bin/python bench/sandbox_overhead.py [--runs 30]

Prints the median and P90 wall time of ``python -c pass`` run bare with
``subprocess.run`` and through each available backend's ``run()`` (which
includes the supervisor, the log pipe, cgroup setup and, for bubblewrap, the
namespaces and mounts). Target: bubblewrap adds under 50 ms to the median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import ResourceClass, RunSpec, SandboxUnavailable, get_sandbox  # noqa: E402

SMALL = ResourceClass(name="small", timeout_s=60, memory_mb=2048, cpus=1.0, max_procs=64, max_output_mb=10)


def time_bare(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return times


def time_backend(name: str, runs: int, workdir: Path) -> list[float]:
    sandbox = get_sandbox(name, debug=True)
    (workdir / "code").mkdir(exist_ok=True)
    spec = RunSpec(
        argv=["{python}", "-c", "pass"],
        code_dir=workdir / "code",
        output_dir=workdir / "out",
        dataset_dir=None,
        env={"PATH": "/usr/bin:/bin"},
        resources=SMALL,
    )
    times = []
    with open(workdir / "log", "ab") as log:
        for _ in range(runs):
            start = time.perf_counter()
            outcome = sandbox.run(spec, log=log)
            times.append(time.perf_counter() - start)
            assert outcome.kind == "ok", outcome
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    results = {"bare subprocess": time_bare(args.runs)}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("none", "bubblewrap", "docker"):
            try:
                results[name] = time_backend(name, args.runs, Path(tmp))
            except SandboxUnavailable as why:
                print(f"{name}: unavailable here ({why})")
    bare = statistics.median(results["bare subprocess"])
    print(f"python -c pass, {args.runs} runs each (ms)")
    print(f"{'backend':<18}{'median':>8}{'p90':>8}{'added':>8}")
    for name, times in results.items():
        ms = sorted(t * 1000 for t in times)
        median = statistics.median(ms)
        p90 = ms[int(0.9 * (len(ms) - 1))]
        print(f"{name:<18}{median:8.1f}{p90:8.1f}{median - bare * 1000:+8.1f}")


if __name__ == "__main__":
    main()
