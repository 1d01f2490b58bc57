"""API latency of the production web tier, as ratios to a standalone bare DRF view.

In one run:

* starts the project's production tier with ``scripts/serve.sh`` (the one that
  ships: nginx on one port, gunicorn for HTTP, uvicorn for ``/ws/``) on a fresh
  LB_DATA_DIR with the toy benchmark and ``LB_BENCH_VIEWS=1``;
* creates a standalone bare DRF project in a temporary folder (DRF token auth,
  one row, nothing else) and starts it under gunicorn with the same workers, on
  the project's database engine (``standalone_database``);
* warms every server and endpoint, then drives each endpoint with ``wrk`` (closed
  loop) at 4 and 50 connections, in ``--rounds`` rounds of (standalone view,
  endpoint), ``--seconds`` each, and prints the median P50/P95/P99, req/s and
  errors, and the median of each ratio to the standalone view;
* enqueue load comes from ``--enqueue-users`` submitters (500), each with a submission
  of their own: enough that none queues more jobs over a run than the default
  limits allow one person (``LB_RATE_JOBS_HOUR`` 120/h), as on a busy platform.
  The limits are lifted so that nothing is refused; with 50 submitters each
  piled up about 300 pending jobs, which the enqueue's limit check reads;
* WebSocket frames through the same port with 50 viewers (bench/ws_latency.py);
* ``--mixed-seconds``: 50 connections mixing status, enqueue and upload.

DATABASE_URL / REDIS_URL are passed through to the project (unset: the embedded
SQLite defaults). Every server listens on 127.0.0.1 only.

    .venv/bin/python bench/api_latency.py --mixed-seconds 120
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

# The servers and the load live beside this file (the project's modules stay under ~400 lines).
from api_latency_load import (  # noqa: E402
    HEADER,
    lua_enqueue,
    lua_mixed,
    lua_request,
    median_row,
    print_cpu_table,
    ratio_row,
    row,
    websocket_frames,
    wrk,
)
from api_latency_servers import Project, Standalone, archive_bytes, multipart  # noqa: E402


def main(args) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (scripts/install.sh dev installs it)")
    workdir = Path(tempfile.mkdtemp(prefix="lb-bench-wrk-"))
    # The yardstick: a bare DRF project on the same database engine and server (standalone_database);
    # the second standalone keeps connections like the project does, to show what that alone buys.
    server = (args.worker_class, args.workers, args.threads)
    with Standalone(*server) as bare, Standalone(*server, 60) as kept, Project(*server, args.enqueue_users) as project:
        headers = {"Authorization": f"Bearer {project.token}"}
        archive = archive_bytes(args.upload_bytes)
        upload_body, upload_type = multipart({"benchmark": "toy", "method": "bench"}, archive)
        (workdir / "upload.bin").write_bytes(upload_body)
        submission = requests.post(
            project.url + "/api/submissions",
            headers=headers,
            timeout=60,
            data={"benchmark": "toy", "method": "bench"},
            files={"archive": ("s.zip", archive, "application/zip")},
        ).json()["id"]
        small = archive_bytes(1024)
        users = []
        for token in project.user_tokens:
            response = requests.post(
                project.url + "/api/submissions",
                headers={"Authorization": f"Bearer {token}"},
                data={"benchmark": "toy", "method": "bench"},
                timeout=60,
                files={"archive": ("s.zip", small, "application/zip")},
            )
            assert response.status_code == 201, response.text[:500]
            users.append((token, json.dumps({"submission": response.json()["id"]})))
        for path in ("/api/bench/bare", "/api/leaderboard?benchmark=toy"):
            check = requests.get(project.url + path, headers=headers, timeout=10)
            assert check.status_code == 200, check.text[:500]
        job = requests.post(
            project.url + "/api/jobs", headers=headers, json={"submission": submission}, timeout=60
        ).json()["id"]
        gunicorn = f"gunicorn {args.worker_class} {args.workers}x{args.threads}"
        print(
            f"web tier: scripts/serve.sh (nginx -> {gunicorn}, /ws/ -> uvicorn); "
            f"standalone: {gunicorn}, database {bare.database['ENGINE']}"
            f" (CONN_MAX_AGE {bare.database['CONN_MAX_AGE']}); "
            f"database {os.environ.get('DATABASE_URL', 'sqlite')}, queue {os.environ.get('REDIS_URL', 'sqlite')}; "
            f"{args.rounds} rounds of wrk {args.seconds:.0f} s per row, medians; enqueue from {len(users)} users; "
            f"upload {len(upload_body) / 1e6:.2f} MB; {os.cpu_count()} CPUs"
        )
        endpoints = [
            ("standalone bare DRF view (gunicorn)", bare.url + "/bare", lua_request("GET", bare.token)),
            ("standalone, persistent connections", kept.url + "/bare", lua_request("GET", kept.token)),
            ("project /api/bench/bare", project.url + "/api/bench/bare", lua_request("GET", project.token)),
            ("GET job status", f"{project.url}/api/jobs/{job}/status", lua_request("GET", project.token)),
            ("GET leaderboard JSON", project.url + "/api/leaderboard?benchmark=toy", lua_request("GET", project.token)),
            ("POST /api/jobs (enqueue)", project.url + "/api/jobs", lua_enqueue(users)),
            (
                "POST submission 1 MB",
                project.url + "/api/submissions",
                lua_request("POST", project.token, workdir / "upload.bin", upload_type),
            ),
        ]
        # Warm every server and endpoint first (imports, per-thread connections), as a deployed tier is:
        # the writes first, so that the reads run last before measuring.
        for _, url, script in reversed(endpoints):
            wrk(url, script, 50, args.warmup_seconds, workdir)
        # On a shared machine the load of others drifts: each round of a row measures the standalone
        # view and then the endpoint, and the row reports the median of each figure and of each ratio.
        rows = [e for e in endpoints[1:] if not args.only or any(word in e[0] for word in args.only)]
        cpu_rows = []
        for clients in (4, 50):
            print(f"\n{clients} connections\n{HEADER}")
            for name, url, script in rows:
                rounds = [
                    (
                        wrk(endpoints[0][1], endpoints[0][2], clients, args.seconds, workdir),
                        wrk(url, script, clients, args.seconds, workdir),
                    )
                    for _ in range(args.rounds)
                ]
                base, result, ratios = median_row(rounds)
                print(row(endpoints[0][0], base, base))
                print(ratio_row(name, result, ratios), flush=True)
                if not name.startswith("standalone"):  # the second standalone is a yardstick's variant
                    cpu_rows.append((clients, name, rounds))
        print_cpu_table(cpu_rows)
        if args.ws_viewers:
            ws = websocket_frames(project.port, args.ws_viewers, args.ws_seconds)
            print(
                f"\nWebSocket /ws/inference through the same port, {args.ws_viewers} viewers for {args.ws_seconds:.0f} s: "
                f"{ws['frames']} frames, P50 {ws['p50']:.2f} ms, P95 {ws['p95']:.2f} ms, P99 {ws['p99']:.2f} ms, "
                f"errors {ws['errors']}"
            )
        if args.mixed_seconds:
            bare_result = wrk(bare.url + "/bare", lua_request("GET", bare.token), 50, args.seconds, workdir)
            script = lua_mixed(
                project.token,
                {"status": f"/api/jobs/{job}/status", "enqueue": "/api/jobs", "upload": "/api/submissions"},
                {"upload": (workdir / "upload.bin", upload_type)},
                users,
            )
            result = wrk(project.url, script, 50, args.mixed_seconds, workdir)
            print(
                f"\nmixed: 50 connections for {args.mixed_seconds:.0f} s (status 70 %, enqueue 20 %, upload 10 %)\n"
                f"{HEADER}"
            )
            print(row("standalone bare DRF view (gunicorn)", bare_result, bare_result))
            print(row("mixed", result, bare_result))
            print(f"total errors in the mixed run: {result['errors']}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4, help="wrk duration of each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="standalone/endpoint pairs per row (medians)")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--mixed-seconds", type=float, default=0)
    parser.add_argument("--ws-viewers", type=int, default=50)
    parser.add_argument("--ws-seconds", type=float, default=10)
    parser.add_argument("--upload-bytes", type=int, default=1024 * 1024)
    # serve.sh's defaults; the standalone runs with the same.
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--workers", type=int, default=min(2 * (os.cpu_count() or 2) + 1, 12))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--enqueue-users", type=int, default=500, help="submitters the enqueue load comes from")
    parser.add_argument("--only", nargs="*", default=[], help="measure only the rows whose name contains a word")
    main(parser.parse_args())
