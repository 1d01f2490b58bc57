"""What one API request costs in process: CPU time and Python function calls, enqueue vs the bare view.

The web-tier bench (bench/api_latency.py) measures through the server that ships, where the box's load
moves every figure; this one runs Django's test client in one process on a fresh LB_DATA_DIR (the same
toy benchmark and submitters as that bench), so it can compare two versions of one request path:

* CPU per request: the minimum over ``--batches`` batches of ``--requests`` requests (time.process_time);
* Python calls per request: cProfile's call count over one batch, which does not depend on the load.

DATABASE_URL / REDIS_URL are passed through (unset: the embedded SQLite defaults), as in that bench;
``--cache-backend`` swaps the cache backend on Redis, to compare two.

    .venv/bin/python bench/request_cost.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/request_cost.py --cache-backend django.core.cache.backends.redis.RedisCache
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_latency_servers import ENQUEUE_USERS, Project, archive_bytes, postgres_admin  # noqa: E402


def main(args) -> None:
    project = Project("sync", 1, 1, enqueue_users=args.users)
    try:
        project.manage("migrate", "--noinput")
        project.manage("bootstrap")
        output = project.manage("shell", "-c", ENQUEUE_USERS.format(count=args.users))
        tokens = [word for word in output.split() if word.startswith("lb_")]
        os.environ.update(project.env)
        measure(args, tokens)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(project.tmp, ignore_errors=True)
        if project.database:
            postgres_admin(project.database, f'DROP DATABASE IF EXISTS "{project.database["NAME"]}"')


def measure(args, tokens: list[str]) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from jobs.models import Job

    if args.cache_backend and os.environ.get("REDIS_URL"):
        settings.CACHES = {"default": {"BACKEND": args.cache_backend, "LOCATION": os.environ["REDIS_URL"]}}
    client = Client()
    submissions = {}
    for token in tokens:
        archive = SimpleUploadedFile("s.zip", archive_bytes(1024), "application/zip")
        response = client.post(
            "/api/submissions",
            {"benchmark": "toy", "method": "bench", "archive": archive},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content[:500]
        submissions[token] = json.dumps({"submission": response.json()["id"]})

    def enqueue(token: str) -> None:
        response = client.post(
            "/api/jobs", submissions[token], content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 201, response.content[:500]

    def bare(token: str) -> None:
        response = client.get("/api/bench/bare", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content[:500]

    def run(request) -> None:
        for i in range(args.requests):
            request(tokens[i % len(tokens)])

    def batch(request) -> float:
        # Each batch starts from no jobs, so the enqueue's counts read what the web-tier bench's do.
        Job.objects.all().delete()
        started = time.process_time()
        run(request)
        return (time.process_time() - started) / args.requests * 1000

    cache = settings.CACHES["default"]["BACKEND"]
    print(f"database {settings.DATABASES['default']['ENGINE']}, cache {cache}, {len(tokens)} submitters")
    for name, request in (("POST /api/jobs (enqueue)", enqueue), ("GET /api/bench/bare", bare)):
        batch(request)  # warm: statements compiled, connections open
        cpu = min(batch(request) for _ in range(args.batches))
        Job.objects.all().delete()
        profile = cProfile.Profile()
        profile.runcall(run, request)
        calls = profile.getstats()
        total = sum(entry.callcount for entry in calls)
        print(f"{name:28s} CPU {cpu:6.3f} ms per request   Python calls {total // args.requests:6d} per request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30, help="submitters the requests rotate over")
    parser.add_argument("--requests", type=int, default=200, help="requests per batch")
    parser.add_argument("--batches", type=int, default=7, help="batches; the CPU figure is their minimum")
    parser.add_argument("--cache-backend", default="", help="on Redis: the cache backend to measure instead")
    main(parser.parse_args())
