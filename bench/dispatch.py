"""Remote dispatch on loopback: 1, 2 and 4 lb-workers against local run_huey workers, same run.

    .venv/bin/python bench/dispatch.py [--jobs 12] [--sleep 3] [--counts 1,2,4]

One production web tier (scripts/serve.sh, SQLite or DATABASE_URL/REDIS_URL when set), one MLflow
server, two scoring workers (run_huey on the scoring pool) for the remote runs. Each submission
sleeps ``--sleep`` seconds in the bubblewrap sandbox, then writes the toy answers: the work is
sleep-bound, so ``k`` workers should finish ``--jobs`` jobs ``k`` times faster. For each setup:

* ``wall``: from the first enqueue to the last completion of ``--jobs`` jobs queued at once;
  speed-up is the 1-worker wall of the same kind over it, efficiency the speed-up over ``k``;
* ``dispatch``: with every worker idle and waiting, one job at a time, ``--probes`` times: enqueue
  (the API's 201) to the claim (``started_at``), P50 and P90 in milliseconds.

Everything listens on 127.0.0.1. lb-worker runs with only PATH, HOME and PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port, toy_files, wait_for_http, zip_bytes  # noqa: E402
from tests.support.webtier import manage, start_web_tier  # noqa: E402

SLEEP_MAIN = """\
import argparse, json, os, pathlib, time
p = argparse.ArgumentParser(); p.add_argument("--config"); p.add_argument("--output"); a = p.parse_args()
numbers = json.loads(pathlib.Path(os.environ["LB_DATASET_DIR"], "numbers.json").read_text())
time.sleep({sleep})
pathlib.Path(a.output, "predictions.json").write_text(json.dumps([n % 2 == 0 for n in numbers]))
"""


def start_mlflow(root: Path) -> tuple[str, subprocess.Popen]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port)]
        + ["--backend-store-uri", f"sqlite:///{root}/mlflow.db", "--artifacts-destination", str(root / "art")]
        + ["--workers", "1"],
        stdout=open(root / "mlflow.log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/health", timeout=120, process=process)
    return url, process


class Bench:
    def __init__(self, root: Path, env: dict, url: str, token: str) -> None:
        self.root, self.env, self.url, self.token = root, env, url, token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.processes: list[subprocess.Popen] = []

    def spawn(self, command: list[str], env: dict, log: str) -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=open(self.root / log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def run_huey(self, pools: str) -> subprocess.Popen:
        env = {**self.env, "LB_WORKER_POOLS": pools}
        command = [sys.executable, "manage.py", "run_huey", "-n", "--workers", "1", "--worker-type", "thread"]
        return self.spawn(command + ["--delay", "0.01", "--max-delay", "0.05"], env, f"huey-{pools}.log")

    def lb_worker(self, token: str, index: int) -> subprocess.Popen:
        scratch = self.root / f"remote-{index}"
        scratch.mkdir(exist_ok=True)
        env = {"PATH": os.environ["PATH"], "HOME": str(scratch), "PYTHONPATH": f"{ROOT}:{ROOT / 'cli'}"}
        command = [sys.executable, "-m", "lb_cli.worker", "--url", self.url, "--token", token]
        command += ["--scratch", str(scratch), "--wait", "5", "--host", f"bench-{index}"]
        return self.spawn(command, env, "lb-worker.log")

    def scheduler(self) -> subprocess.Popen:
        """The sweeper, as in a deployment: a job claimed for a worker that died is given back."""
        env = {**self.env, "LB_SWEEP_INTERVAL_S": "2"}
        return self.spawn([sys.executable, "manage.py", "run_scheduler"], env, "scheduler.log")

    def stop(self, processes: list[subprocess.Popen]) -> None:
        """SIGTERM: a worker finishes what it holds (lb-worker: its claim in flight) and exits."""
        for process in processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def submit(self, sleep: float) -> str:
        files = toy_files(main=SLEEP_MAIN.format(sleep=sleep))
        response = self.session.post(
            self.url + "/api/submissions",
            data={"benchmark": "toy", "method": f"sleep-{sleep}"},
            files={"archive": ("s.zip", zip_bytes(files), "application/zip")},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()["id"]

    def enqueue(self, submission: str) -> tuple[str, float]:
        response = self.session.post(self.url + "/api/jobs", json={"submission": submission}, timeout=60)
        response.raise_for_status()
        return response.json()["id"], time.time()

    def status(self, job: str) -> dict:
        return self.session.get(f"{self.url}/api/jobs/{job}/status", timeout=30).json()

    def wait_all(self, jobs: list[str], timeout: float = 900) -> list[dict]:
        deadline, done = time.monotonic() + timeout, {}
        while len(done) < len(jobs):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(jobs) - len(done)} jobs unfinished; see {self.root}")
            for job in jobs:
                if job not in done:
                    status = self.status(job)
                    if status["status"] in {"completed", "failed", "cancelled"}:
                        if status["status"] != "completed":
                            raise RuntimeError(f"job {job}: {status}")
                        done[job] = status
            time.sleep(0.2)
        return [done[job] for job in jobs]

    def batch(self, submission: str, jobs: int) -> float:
        started = time.time()
        ids = [self.enqueue(submission)[0] for _ in range(jobs)]
        finished = self.wait_all(ids)
        return max(_ts(s["finished_at"]) for s in finished) - started

    def dispatch(self, submission: str, probes: int) -> list[float]:
        latencies = []
        for _ in range(probes):
            job, _ = self.enqueue(submission)
            while (status := self.status(job))["started_at"] is None:
                time.sleep(0.01)
            # Both stamps are the platform's: the job row written, the job claimed.
            latencies.append((_ts(status["started_at"]) - _ts(status["created_at"])) * 1000)
            self.wait_all([job])
            time.sleep(0.3)  # every worker idle and waiting again
        return latencies


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--sleep", type=float, default=3.0)
    parser.add_argument("--counts", default="1,2,4")
    parser.add_argument("--probes", type=int, default=8)
    parser.add_argument("--local", action=argparse.BooleanOptionalAction, default=True, help="also local workers")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped from outside: still clean up (finally)
    counts = [int(c) for c in args.counts.split(",")]

    root = Path(tempfile.mkdtemp(prefix="lb-dispatch-"))
    (root / "mlflow").mkdir()
    mlflow_url, mlflow = start_mlflow(root / "mlflow")
    overrides = {
        "MLFLOW_TRACKING_URI": mlflow_url,
        "LB_WEB_WORKERS": str(max(counts) + 3),  # each waiting claim holds one sync web worker
        "LB_MAX_ACTIVE_JOBS_PER_USER": "1000",
        "LB_RATE_JOBS_HOUR": "100000/h",
        "LB_HEARTBEAT_S": "2",
        "LB_HEARTBEAT_TIMEOUT_S": "10",
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(key):
            overrides[key] = os.environ[key]
    tier = start_web_tier(root, **overrides)
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "LB_DATA_DIR": str(tier.data_dir),
            "LB_BENCHMARKS": "tests.support.toy:benchmarks",
            "TMPDIR": str(tier.tmp_dir),
            "LB_RATELIMIT_ENABLE": "0",
            **overrides,
        }
    )
    bench = Bench(root, env, tier.url, tier.token)
    rows = []
    try:
        sleeper = bench.submit(args.sleep)
        quick = bench.submit(0.0)
        token = manage(env, "issue_worker_token", "--pools", "default").strip().splitlines()[-1]
        bench.scheduler()
        kinds = (["local"] if args.local else []) + ["remote"]
        for kind in kinds:
            scorers = [bench.run_huey("scoring"), bench.run_huey("scoring")] if kind == "remote" else []
            for count in counts:
                workers = [
                    bench.lb_worker(token, i) if kind == "remote" else bench.run_huey("default") for i in range(count)
                ]
                time.sleep(4)  # registered and waiting
                bench.batch(quick, count)  # warm: every worker has run once
                latencies = bench.dispatch(quick, args.probes)
                wall = bench.batch(sleeper, args.jobs)
                rows.append((kind, count, wall, _pct(latencies, 0.5), _pct(latencies, 0.9)))
                print(f"{kind:6} x{count}: wall {wall:6.2f} s, dispatch P50 {rows[-1][3]:.0f} ms", flush=True)
                bench.stop(workers)
            bench.stop(scorers)
    finally:
        bench.stop(bench.processes)
        tier.stop()
        mlflow.terminate()
    ideal = args.jobs * args.sleep
    print(f"\n{args.jobs} jobs of {args.sleep:g} s sleep each (serial: {ideal:.0f} s of sleep); {os.cpu_count()} cores")
    print(f"{'workers':>10} {'wall s':>8} {'speed-up':>9} {'of linear':>9} {'dispatch P50 ms':>16} {'P90 ms':>7}")
    for kind, count, wall, p50, p90 in rows:
        base = next(w for k, c, w, _, _ in rows if k == kind and c == min(counts))
        speedup = base / wall * min(counts)
        print(
            f"{kind + ' x' + str(count):>10} {wall:8.2f} {speedup:9.2f} {speedup / count:9.2f} {p50:16.0f} {p90:7.0f}"
        )
    print(f"\nlogs: {root}")


if __name__ == "__main__":
    main()
