"""Frame latency of /ws/inference under N concurrent viewers.

Each viewer opens its own socket (autoplay at --speed steps/s) and restarts its
episode when it ends. For every step frame it records (client receive time −
``server_ts``); at the end it asks the server (``{"type": "stats"}``) for the
onnxruntime time of each of its steps, timed inside the server under this load.

    .venv/bin/python bench/ws_latency.py --serve                       # starts its own uvicorn (1 worker)
    .venv/bin/python bench/ws_latency.py --url ws://127.0.0.1:8000     # against a running server

Prints p50/p95/p99 of frame latency and of the onnxruntime step, frames received and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import websockets

ROOT = Path(__file__).resolve().parent.parent


async def viewer(base: str, index: int, speed: float, seconds: float, mazes: int) -> dict:
    maze = f"train-{index % mazes:04d}"
    latencies, errors = [], 0
    async with websockets.connect(
        f"{base}/ws/inference?speed={speed}&maze={maze}", origin="http://127.0.0.1", max_queue=None
    ) as ws:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=left)
            except TimeoutError:
                break
            received = time.time() * 1000.0
            frame = json.loads(raw)
            if frame["type"] == "step":
                latencies.append(received - frame["server_ts"])
                if frame["done"]:
                    await ws.send(json.dumps({"type": "play"}))  # next episode
            elif frame["type"] == "error":
                errors += 1
        await ws.send(json.dumps({"type": "pause"}))
        await ws.send(json.dumps({"type": "stats"}))
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "stats":
                return {"latency_ms": latencies, "step_ms": frame["onnx_step_ms"], "errors": errors}


def pct(values, q) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


@contextmanager
def local_server():
    """A fresh uvicorn (one process) with its own data dir, migrated and bootstrapped."""
    data = Path(tempfile.mkdtemp(prefix="ws-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        LB_DATA_DIR=str(data),
        LB_BENCHMARKS="benchmarks.maze:benchmarks",
        LB_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    for command in (["migrate", "--noinput"], ["bootstrap"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    port = 18765
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        import requests

        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/api/models", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield f"ws://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


async def run(base: str, viewers: int, speed: float, seconds: float) -> None:
    results = await asyncio.gather(*(viewer(base, i, speed, seconds, 50) for i in range(viewers)))
    latency = [v for r in results for v in r["latency_ms"]]
    steps = [v for r in results for v in r["step_ms"]]
    print(f"viewers={viewers} speed={speed:g} steps/s each, {seconds:g} s, cpu cores={os.cpu_count()}")
    print(
        f"frames received: {len(latency)} ({len(latency) / seconds:.0f}/s in total), "
        f"error frames: {sum(r['errors'] for r in results)}"
    )
    print(
        f"frame latency ms (client receive - server_ts): p50={pct(latency, 50):.2f} "
        f"p95={pct(latency, 95):.2f} p99={pct(latency, 99):.2f} max={max(latency):.2f}"
    )
    print(
        f"onnxruntime step ms (in the server, under this load): p50={pct(steps, 50):.3f} "
        f"p95={pct(steps, 95):.3f} p99={pct(steps, 99):.3f} (n={len(steps)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="ws://host:port of a running server")
    parser.add_argument("--serve", action="store_true", help="start a throw-away local server")
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--speed", type=float, default=10.0, help="steps per second per viewer")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if not args.url and not args.serve:
        parser.error("give --url or --serve")
    if args.serve:
        with local_server() as base:
            asyncio.run(run(base, args.viewers, args.speed, args.seconds))
    else:
        asyncio.run(run(args.url.rstrip("/"), args.viewers, args.speed, args.seconds))


if __name__ == "__main__":
    main()
