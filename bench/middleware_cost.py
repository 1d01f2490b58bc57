"""CPU cost of each middleware on a token-authenticated API call, in process.

Calls the WSGI application directly (no server, no network) with
``GET /api/bench/bare`` and a Bearer token, N times, on a fresh SQLite data
dir; then again with each middleware removed in turn. Prints microseconds of
CPU per request and what removing each one saves. Also the same view in a
standalone minimal project (bench/api_latency.py's), as the floor.

    .venv/bin/python bench/middleware_cost.py --requests 3000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(requests: int, drop: str | None) -> float:
    """One child process per configuration (settings are read once per process)."""
    code = f"""
import io, os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "leaderboard.settings"
import django
from django.conf import settings
django.setup()
if {drop!r}:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != {drop!r}]
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("bootstrap", verbosity=0)
from accounts.services import token_issue
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user("bench")
raw = token_issue(user=user, name="bench")[1]
from leaderboard.wsgi import application
def call():
    environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/api/bench/bare", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "HTTP_AUTHORIZATION": "Bearer " + raw,
               "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1"}}
    status = []
    body = b"".join(application(environ, lambda s, h, *a: status.append(s)))
    assert status[0].startswith("200"), (status, body[:300])
for _ in range(200):
    call()
started = time.process_time()
for _ in range({requests}):
    call()
print((time.process_time() - started) / {requests} * 1e6)
"""
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(LB_DATA_DIR=data, LB_BENCH_VIEWS="1", LB_BENCHMARKS="tests.support.toy:benchmarks",
                   LB_LOG_LEVEL=env.get("LB_LOG_LEVEL", "INFO"), PYTHONPATH=str(ROOT))
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        return float(out.stdout.strip().splitlines()[-1])


def main(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    sys.path.insert(0, str(ROOT))
    from leaderboard import settings

    full = measure(args.requests, None)
    print(f"full stack: {full:.0f} us CPU per request ({args.requests} requests, LB_LOG_LEVEL="
          f"{os.environ.get('LB_LOG_LEVEL', 'INFO')})")
    print("| middleware removed | us/request | saves |\n|---|---|---|")
    for name in settings.MIDDLEWARE:
        cost = measure(args.requests, name)
        print(f"| {name} | {cost:.0f} | {full - cost:+.0f} us ({(full - cost) / full:.0%}) |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    main(parser.parse_args())
