"""API latency under load, next to a bare DRF view on the same server.

Starts its own production server (gunicorn, WSGI, gthread workers) on a fresh
LB_DATA_DIR with the toy benchmark, then drives closed-loop clients:

* for 4 and 50 concurrent clients, a fixed number of requests each to: the
  bare view (token auth, one row), job status, job enqueue and submission
  upload (a 1 MB archive); prints P50/P95/P99, throughput, errors and the
  P95 ratio to the bare view;
* with ``--mixed-seconds N``, N seconds of 50 clients mixing upload, enqueue
  and status, printing the same figures and the error count.

Under load, latency is queueing: compare each endpoint to the bare view.
DATABASE_URL / REDIS_URL are passed through (PostgreSQL + Redis give the
production figures; without them SQLite and Huey's SQLite queue are used).

    .venv/bin/python bench/api_latency.py --requests 40 --mixed-seconds 120
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def archive_bytes(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("main.py", "print('hello')\n")
        archive.writestr("config.yaml", "epochs: 1\n")
        archive.writestr("data/blob.bin", os.urandom(size))
    return buffer.getvalue()


class Server:
    def __init__(self, workers: int, threads: int):
        self.tmp = Path(tempfile.mkdtemp(prefix="lb-bench-"))
        self.env = {**os.environ, "LB_DATA_DIR": str(self.tmp), "LB_BENCHMARKS": "tests.support.toy:benchmarks",
                    "LB_BENCH_VIEWS": "1", "LB_RATELIMIT_ENABLE": "0", "LB_MAX_ACTIVE_JOBS_PER_USER": "1000000",
                    "LB_RATE_JOBS_HOUR": "100000000/h", "PYTHONPATH": str(ROOT),
                    "LB_QUEUE_NAME": f"lb-bench-{os.getpid()}", "DJANGO_SETTINGS_MODULE": "config.settings"}
        self.workers, self.threads = workers, threads

    def manage(self, *args) -> str:
        return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def __enter__(self):
        self.manage("migrate", "--noinput")
        self.manage("bootstrap")
        self.token = self.manage("issue_token", "bench").strip().splitlines()[-1]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [PY, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers),
             "-k", "gthread", "--threads", str(self.threads), "--backlog", "2048", "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=open(self.tmp / "server.log", "wb"), stderr=subprocess.STDOUT)
        import requests

        for _ in range(300):
            try:
                requests.get(self.url + "/api/benchmarks", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, 9)
        self.process.wait()


class Client:
    def __init__(self, session: aiohttp.ClientSession, url: str, upload: bytes):
        self.session, self.url, self.upload = session, url, upload
        self.submissions: list[str] = []
        self.jobs: list[str] = []

    async def bare(self):
        async with self.session.get(f"{self.url}/api/bench/bare") as response:
            await response.read()
            return response.status

    async def submit(self):
        form = aiohttp.FormData()
        form.add_field("benchmark", "toy")
        form.add_field("method", "bench")
        form.add_field("archive", self.upload, filename="s.zip", content_type="application/zip")
        async with self.session.post(f"{self.url}/api/submissions", data=form) as response:
            body = await response.json()
            if response.status == 201:
                self.submissions.append(body["id"])
            return response.status

    async def enqueue(self):
        async with self.session.post(f"{self.url}/api/jobs",
                                     json={"submission": random.choice(self.submissions)}) as response:
            body = await response.json()
            if response.status == 201:
                self.jobs.append(body["id"])
            return response.status

    async def status(self):
        async with self.session.get(f"{self.url}/api/jobs/{random.choice(self.jobs)}/status") as response:
            await response.read()
            return response.status


async def timed(call, latencies: list, errors: list):
    started = time.perf_counter()
    try:
        status = await call()
    except aiohttp.ClientError as exc:
        status = repr(exc)
    latencies.append((time.perf_counter() - started) * 1000)
    if status not in (200, 201):
        errors.append(status)


async def fixed_run(client: Client, op: str, clients: int, per_client: int):
    latencies, errors = [], []

    async def loop():
        for _ in range(per_client):
            await timed(getattr(client, op), latencies, errors)

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


async def mixed_run(client: Client, clients: int, seconds: float):
    results = {op: ([], []) for op in ("submit", "enqueue", "status")}
    weights = {"submit": 1, "enqueue": 2, "status": 7}
    deadline = time.perf_counter() + seconds

    async def loop():
        while time.perf_counter() < deadline:
            op = random.choices(list(weights), weights=list(weights.values()))[0]
            await timed(getattr(client, op), *results[op])

    await asyncio.gather(*(loop() for _ in range(clients)))
    return results


def row(name: str, latencies: list, errors: list, seconds: float | None, bare_p95: float | None) -> str:
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    rate = f"{len(latencies) / seconds:7.0f}" if seconds else "      -"
    ratio = f"{p95 / bare_p95:5.2f}x" if bare_p95 else "    -"
    return f"| {name:<22} | {p50:7.1f} | {p95:7.1f} | {p99:7.1f} | {rate} | {len(errors):6d} | {ratio} |"


HEADER = ("| endpoint               | P50 ms  | P95 ms  | P99 ms  |  req/s | errors | P95/bare |\n"
          "|------------------------|---------|---------|---------|--------|--------|----------|")


async def main(args) -> None:
    upload = archive_bytes(args.upload_bytes)
    with Server(args.workers, args.threads) as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
            client = Client(session, server.url, upload)
            for _ in range(5):  # seed a few rows for status/enqueue
                await client.submit()
                await client.enqueue()
            print(f"server: gunicorn gthread {args.workers}x{args.threads}, "
                  f"database {os.environ.get('DATABASE_URL', 'sqlite')}, queue {os.environ.get('REDIS_URL', 'sqlite')}; "
                  f"upload {len(upload) / 1e6:.2f} MB")
            for clients in (4, 50):
                print(f"\n{clients} concurrent clients, {args.requests} requests each\n{HEADER}")
                bare_p95 = None
                for op, label in (("bare", "bare DRF view"), ("status", "GET job status"),
                                  ("enqueue", "POST /api/jobs"), ("submit", "POST submission 1 MB")):
                    latencies, errors, seconds = await fixed_run(client, op, clients, args.requests)
                    if op == "bare":
                        bare_p95 = float(np.percentile(latencies, 95))
                    print(row(label, latencies, errors, seconds, bare_p95))
            if args.mixed_seconds:
                print(f"\nmixed load: 50 clients for {args.mixed_seconds} s (status 70%, enqueue 20%, upload 10%)")
                bare, bare_errors, _ = await fixed_run(client, "bare", 50, 20)
                bare_p95 = float(np.percentile(bare, 95))
                results = await mixed_run(client, 50, args.mixed_seconds)
                print(HEADER)
                print(row("bare DRF view (before)", bare, bare_errors, None, bare_p95))
                for op, (latencies, errors) in results.items():
                    print(row(op, latencies, errors, args.mixed_seconds, bare_p95))
                print(f"total errors: {sum(len(e) for _, e in results.values())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40, help="requests per client per endpoint")
    parser.add_argument("--mixed-seconds", type=float, default=0)
    parser.add_argument("--upload-bytes", type=int, default=1024 * 1024)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    asyncio.run(main(parser.parse_args()))
