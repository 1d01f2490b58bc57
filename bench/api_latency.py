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
import asyncio
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT / "bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(url)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def archive_bytes(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("main.py", "print('hello')\n")
        archive.writestr("config.yaml", "epochs: 1\n")
        archive.writestr("data/blob.bin", os.urandom(size))
    return buffer.getvalue()


def multipart(fields: dict, archive: bytes, boundary: str = "lb-bench-boundary") -> tuple[bytes, str]:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="archive"; filename="s.zip"\r\n'
                 "Content-Type: application/zip\r\n\r\n".encode() + archive + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Project:
    """The production tier, started by scripts/serve.sh."""

    def __init__(self, worker_class: str, workers: int, threads: int, enqueue_users: int = 500):
        self.enqueue_users = enqueue_users
        self.tmp = Path(tempfile.mkdtemp(prefix="lb-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LB_DATA_DIR": str(self.tmp / "data"), "LB_BENCHMARKS": "tests.support.toy:benchmarks",
                    "LB_BENCH_VIEWS": "1", "LB_RATELIMIT_ENABLE": "0", "LB_MAX_ACTIVE_JOBS_PER_USER": "100000000",
                    "LB_RATE_JOBS_HOUR": "100000000/h", "PYTHONPATH": str(ROOT), "PYTHON": PY,
                    "LB_LOG_LEVEL": os.environ.get("LB_LOG_LEVEL", "WARNING"),
                    "LB_QUEUE_NAME": f"lb-bench-{os.getpid()}", "DJANGO_SETTINGS_MODULE": "config.settings",
                    "LB_WEB_PORT": str(self.port), "LB_WEB_WORKER_CLASS": worker_class, "LB_WEB_WORKERS": str(workers),
                    "LB_WEB_THREADS": str(threads)}
        # On PostgreSQL the project gets a fresh database of its own on the given server, dropped at the end.
        self.database = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            import dj_database_url

            self.database = dj_database_url.parse(url)
            self.database["NAME"] = f"lb_bench_{os.getpid()}"
            postgres_admin(self.database, f'CREATE DATABASE "{self.database["NAME"]}"')
            self.env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + self.database["NAME"]

    def manage(self, *args) -> str:
        return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def __enter__(self):
        self.manage("migrate", "--noinput")
        self.manage("bootstrap")
        self.token = self.manage("issue_token", "bench").strip().splitlines()[-1]
        # Enqueue load comes from many submitters, as a busy platform's does: one user's
        # enqueues serialise on that user's row lock, which keeps the per-user limits exact.
        self.user_tokens = [word for word in self.manage("shell", "-c", ENQUEUE_USERS.format(count=self.enqueue_users))
                            .split() if word.startswith("lb_")]
        self.process = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=self.env,
                                        start_new_session=True, stdout=open(self.tmp / "serve.log", "wb"),
                                        stderr=subprocess.STDOUT)
        wait_http(self.url + "/api/benchmarks", self.process)
        return self

    def __exit__(self, *exc):
        stop(self.process)
        shutil.rmtree(self.tmp, ignore_errors=True)  # a run stores gigabytes of uploads
        if self.database:
            postgres_admin(self.database, f'DROP DATABASE IF EXISTS "{self.database["NAME"]}"')


ENQUEUE_USERS = """
from accounts.services import token_issue, user_get_or_create
for i in range({count}):
    print(token_issue(user=user_get_or_create(username=f"bench-{{i}}"), name="bench")[1])
"""


STANDALONE_SETTINGS = """
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "rest_framework.authtoken"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bareproject.urls"
DATABASES = {"default": DATABASE}
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["bareproject.auth.BearerToken"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
"""

STANDALONE_AUTH = """
from rest_framework.authentication import TokenAuthentication


class BearerToken(TokenAuthentication):
    keyword = "Bearer"
"""

STANDALONE_URLS = """
from django.contrib.auth import get_user_model
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class Bare(APIView):
    def get(self, request):
        return Response(get_user_model().objects.filter(pk=request.user.pk).values("id", "username").first())


urlpatterns = [path("bare", Bare.as_view())]
"""


def postgres_admin(database: dict, statement: str) -> None:
    import psycopg

    with psycopg.connect(host=database.get("HOST") or None, port=database.get("PORT") or None,
                         user=database.get("USER") or None, password=database.get("PASSWORD") or None,
                         dbname="postgres", autocommit=True) as connection:
        connection.execute(statement)


def standalone_database(folder: Path, conn_max_age: int) -> dict:
    """The standalone's database: the same engine and server as the project's.

    SQLite (the embedded default): Django's defaults, a connection per request, as in
    issue 13's table. PostgreSQL: a database of its own on the project's server, with
    connections kept like the project keeps them; a new PostgreSQL connection per
    request would slow the yardstick and flatter every ratio."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(folder / "db.sqlite3"), "CONN_MAX_AGE": conn_max_age}
    import dj_database_url

    database = dj_database_url.parse(url, conn_max_age=max(conn_max_age, 60))
    database["NAME"] = f"lb_bare_{os.getpid()}_{folder.name.rsplit('-', 1)[-1].lower()}"
    database = {k: v for k, v in database.items() if k in {"ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT",
                                                             "CONN_MAX_AGE"}}
    postgres_admin(database, f'CREATE DATABASE "{database["NAME"]}"')
    return database


class Standalone:
    """A minimal Django + DRF project in a temporary folder: token auth, one row; gunicorn like serve.sh's."""

    def __init__(self, worker_class: str, workers: int, threads: int, conn_max_age: int = 0):
        self.tmp = Path(tempfile.mkdtemp(prefix="lb-bare-"))
        package = self.tmp / "bareproject"
        package.mkdir()
        (package / "__init__.py").write_text("")
        self.database = standalone_database(self.tmp, conn_max_age)
        (package / "settings.py").write_text(f"DATABASE = {self.database!r}\n" + STANDALONE_SETTINGS)
        (package / "urls.py").write_text(STANDALONE_URLS)
        (package / "auth.py").write_text(STANDALONE_AUTH)
        (package / "wsgi.py").write_text("from django.core.wsgi import get_wsgi_application\n"
                                         "application = get_wsgi_application()\n")
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update({"DJANGO_SETTINGS_MODULE": "bareproject.settings", "PYTHONPATH": str(self.tmp)})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker_class, self.workers, self.threads = worker_class, workers, threads

    def __enter__(self):
        script = textwrap.dedent("""
            import django; django.setup()
            from django.core.management import call_command
            call_command("migrate", verbosity=0)
            from django.contrib.auth import get_user_model
            from rest_framework.authtoken.models import Token
            user = get_user_model().objects.create_user("bench")
            print(Token.objects.create(user=user).key)
        """)
        self.token = subprocess.run([PY, "-c", script], env=self.env, check=True, capture_output=True,
                                    text=True).stdout.strip().splitlines()[-1]
        self.process = subprocess.Popen(
            [PY, "-m", "gunicorn", "bareproject.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--worker-class", self.worker_class, "--workers", str(self.workers), "--threads", str(self.threads),
             "--backlog", "2048", "--keep-alive", "75", "--log-level", "warning"],
            cwd=self.tmp, env=self.env, start_new_session=True, stdout=open(self.tmp / "server.log", "wb"),
            stderr=subprocess.STDOUT)
        wait_http(self.url + "/bare", self.process)
        check = requests.get(self.url + "/bare", headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        assert check.status_code == 200, check.text[:500]
        return self

    def __exit__(self, *exc):
        stop(self.process)
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.database["ENGINE"].endswith("postgresql"):
            postgres_admin(self.database, f'DROP DATABASE IF EXISTS "{self.database["NAME"]}"')


WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def lua_request(method: str, token: str, body_file: Path | None = None, content_type: str | None = None) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {token}"']
    if body_file is not None:
        lines.append(f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*a"); f:close()')
        lines.append(f'wrk.headers["Content-Type"] = "{content_type}"')
    return "\n".join(lines) + "\n" + WRK_REPORT


def lua_users(users: list[tuple[str, str]]) -> str:
    """A Lua table of {token, enqueue body} for each submitter."""
    return "local users = {" + ",".join(f'{{"Bearer {token}", {json.dumps(body)}}}' for token, body in users) + "}\n"


def lua_enqueue(users: list[tuple[str, str]]) -> str:
    """POST /api/jobs, each request from the next submitter, each with their own submission."""
    return lua_users(users) + textwrap.dedent("""
        local i = 0
        request = function()
          i = i % #users + 1
          return wrk.format("POST", "/api/jobs", {["Authorization"] = users[i][1],
                                                  ["Content-Type"] = "application/json"}, users[i][2])
        end
    """) + WRK_REPORT


def lua_mixed(token: str, paths: dict, bodies: dict, users: list[tuple[str, str]]) -> str:
    """status 70 %, enqueue 20 % (from the next submitter), upload 10 % of requests, chosen per request."""
    return lua_users(users) + textwrap.dedent(f"""
        local h = {{["Authorization"] = "Bearer {token}"}}
        local function read(p) local f = io.open(p, "rb"); local d = f:read("*a"); f:close(); return d end
        local upload_body = read("{bodies['upload'][0]}")
        local u = 0
        math.randomseed(os.time())
        request = function()
          local r = math.random(100)
          if r <= 70 then
            return wrk.format("GET", "{paths['status']}", h, nil)
          elseif r <= 90 then
            u = u % #users + 1
            return wrk.format("POST", "{paths['enqueue']}", {{["Authorization"] = users[u][1],
                              ["Content-Type"] = "application/json"}}, users[u][2])
          else
            h["Content-Type"] = "{bodies['upload'][1]}"
            local req = wrk.format("POST", "{paths['upload']}", h, upload_body)
            h["Content-Type"] = nil
            return req
          end
        end
    """) + WRK_REPORT


# Where a row's CPU goes: processes by role, read from /proc around each wrk run (Linux).
CPU_ROLES = ("standalone", "web tier", "database", "redis")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _role(comm: str, cmdline: str) -> str | None:
    if "bareproject" in cmdline:
        return "standalone"
    if comm.startswith("nginx") or "config.wsgi" in cmdline or "config.asgi" in cmdline:
        return "web tier"
    if comm.startswith("postgres"):
        return "database"
    if comm.startswith("redis"):
        return "redis"
    return None


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of every process with a role, by pid."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        role = _role(comm, cmdline)
        if role:
            found[int(entry.name)] = (role, (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def cpu_per_request(before: dict, after: dict, requests_done: int) -> dict[str, float]:
    """ms of CPU per request by role between two :func:`cpu_seconds` readings."""
    spent = dict.fromkeys(CPU_ROLES, 0.0)
    for pid, (role, seconds) in after.items():
        spent[role] += seconds - before.get(pid, (role, 0.0))[1]
    return {role: 1000 * value / max(requests_done, 1) for role, value in spent.items()}


def wrk(url: str, script: str, connections: int, seconds: float, workdir: Path) -> dict:
    path = workdir / f"wrk-{time.monotonic_ns()}.lua"
    path.write_text(script)
    # The uploads of a previous run leave hundreds of MB of dirty pages: write them back now,
    # not while the next row is being measured.
    os.sync()
    threads = min(2, connections)
    cpu_before = cpu_seconds()
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:.0f}s",
                          "--timeout", "30s", "-s", str(path), url],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", out)
    if not match:
        raise RuntimeError(out)
    requests_done, duration_us, p50, p95, p99, socket_errors, status_errors = match.groups()
    return {"requests": int(requests_done), "rps": int(requests_done) / (int(duration_us) / 1e6),
            "p50": float(p50), "p95": float(p95), "p99": float(p99),
            "errors": int(socket_errors) + int(status_errors),
            "cpu": cpu_per_request(cpu_before, cpu_seconds(), int(requests_done))}


HEADER = ("| endpoint                          | P50 ms | P95 ms | P99 ms |  req/s | errors | P50/bare | P95/bare "
          "| req/s vs bare |\n"
          "|-----------------------------------|--------|--------|--------|--------|--------|----------|----------"
          "|---------------|")


def row(name: str, r: dict, bare: dict | None) -> str:
    ratios = (f"{r['p50'] / bare['p50']:7.2f}x | {r['p95'] / bare['p95']:7.2f}x | {r['rps'] / bare['rps']:12.2f}x"
              if bare else "       - |        - |             -")
    return (f"| {name:<33} | {r['p50']:6.1f} | {r['p95']:6.1f} | {r['p99']:6.1f} | {r['rps']:6.0f} | "
            f"{r['errors']:6d} | {ratios} |")


def websocket_frames(port: int, viewers: int, seconds: float) -> dict:
    from ws_latency import viewer

    async def run():
        return await asyncio.gather(*(viewer(f"ws://127.0.0.1:{port}", i, 10.0, seconds, 10) for i in range(viewers)),
                                    return_exceptions=True)

    results = asyncio.run(run())
    latencies = [ms for r in results if isinstance(r, dict) for ms in r["latency_ms"]]
    errors = sum(1 for r in results if not isinstance(r, dict)) + sum(r["errors"] for r in results if isinstance(r, dict))
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return {"frames": len(latencies), "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "errors": errors}


def median_row(rounds: list[tuple[dict, dict]]) -> tuple[dict, dict, dict]:
    """The median of each figure over the rounds, for the standalone, the endpoint and their ratios."""
    def med(values: list[float]) -> float:
        values = sorted(values)
        return values[len(values) // 2]

    keys = ("p50", "p95", "p99", "rps")
    base = {k: med([b[k] for b, _ in rounds]) for k in keys} | {"errors": sum(b["errors"] for b, _ in rounds)}
    result = {k: med([r[k] for _, r in rounds]) for k in keys} | {"errors": sum(r["errors"] for _, r in rounds)}
    ratios = {k: med([r[k] / b[k] for b, r in rounds]) for k in keys}
    return base, result, ratios


def print_cpu_table(cpu_rows: list) -> None:
    """Machine CPU per request by role (medians over the rounds): what the ratios are made of.
    The standalone's figure is its gunicorn and its database; wrk's own CPU is not counted."""
    print("\nCPU per request, ms (medians of the rounds; each standalone row is measured with the row below it;\n"
          "the standalone's web tier column is its gunicorn and its database together)\n"
          "| connections | endpoint                          | web tier | database | redis | total | vs standalone |\n"
          "|-------------|-----------------------------------|----------|----------|-------|-------|---------------|")

    def med(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    for clients, name, rounds in cpu_rows:
        base = med([b["cpu"]["standalone"] + b["cpu"]["database"] for b, _ in rounds])
        parts = {role: med([r["cpu"][role] for _, r in rounds]) for role in ("web tier", "database", "redis")}
        total = med([sum(r["cpu"][role] for role in ("web tier", "database", "redis")) for _, r in rounds])
        print(f"| {clients:11d} | {'standalone bare view':<33} | {base:8.2f} |          |       | {base:5.2f} |"
              f"         1.00x |")
        print(f"| {clients:11d} | {name:<33} | {parts['web tier']:8.2f} | {parts['database']:8.2f} | "
              f"{parts['redis']:5.2f} | {total:5.2f} | {total / base:12.2f}x |", flush=True)


def ratio_row(name: str, r: dict, ratios: dict) -> str:
    return (f"| {name:<33} | {r['p50']:6.1f} | {r['p95']:6.1f} | {r['p99']:6.1f} | {r['rps']:6.0f} | "
            f"{r['errors']:6d} | {ratios['p50']:7.2f}x | {ratios['p95']:7.2f}x | {ratios['rps']:12.2f}x |")


def main(args) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (scripts/install.sh dev installs it)")
    workdir = Path(tempfile.mkdtemp(prefix="lb-bench-wrk-"))
    # The yardstick: a bare DRF project on the same database engine and server (standalone_database);
    # the second standalone keeps connections like the project does, to show what that alone buys.
    server = (args.worker_class, args.workers, args.threads)
    with Standalone(*server) as bare, Standalone(*server, 60) as kept, \
            Project(*server, args.enqueue_users) as project:
        headers = {"Authorization": f"Bearer {project.token}"}
        archive = archive_bytes(args.upload_bytes)
        upload_body, upload_type = multipart({"benchmark": "toy", "method": "bench"}, archive)
        (workdir / "upload.bin").write_bytes(upload_body)
        submission = requests.post(project.url + "/api/submissions", headers=headers, timeout=60,
                                   data={"benchmark": "toy", "method": "bench"},
                                   files={"archive": ("s.zip", archive, "application/zip")}).json()["id"]
        small = archive_bytes(1024)
        users = []
        for token in project.user_tokens:
            response = requests.post(project.url + "/api/submissions", headers={"Authorization": f"Bearer {token}"},
                                     data={"benchmark": "toy", "method": "bench"}, timeout=60,
                                     files={"archive": ("s.zip", small, "application/zip")})
            assert response.status_code == 201, response.text[:500]
            users.append((token, json.dumps({"submission": response.json()["id"]})))
        for path in ("/api/bench/bare", "/api/leaderboard?benchmark=toy"):
            check = requests.get(project.url + path, headers=headers, timeout=10)
            assert check.status_code == 200, check.text[:500]
        job = requests.post(project.url + "/api/jobs", headers=headers, json={"submission": submission},
                            timeout=60).json()["id"]
        gunicorn = f"gunicorn {args.worker_class} {args.workers}x{args.threads}"
        print(f"web tier: scripts/serve.sh (nginx -> {gunicorn}, /ws/ -> uvicorn); "
              f"standalone: {gunicorn}, database {bare.database['ENGINE']}"
              f" (CONN_MAX_AGE {bare.database['CONN_MAX_AGE']}); "
              f"database {os.environ.get('DATABASE_URL', 'sqlite')}, queue {os.environ.get('REDIS_URL', 'sqlite')}; "
              f"{args.rounds} rounds of wrk {args.seconds:.0f} s per row, medians; enqueue from {len(users)} users; "
              f"upload {len(upload_body) / 1e6:.2f} MB; {os.cpu_count()} CPUs")
        endpoints = [
            ("standalone bare DRF view (gunicorn)", bare.url + "/bare", lua_request("GET", bare.token)),
            ("standalone, persistent connections", kept.url + "/bare", lua_request("GET", kept.token)),
            ("project /api/bench/bare", project.url + "/api/bench/bare", lua_request("GET", project.token)),
            ("GET job status", f"{project.url}/api/jobs/{job}/status", lua_request("GET", project.token)),
            ("GET leaderboard JSON", project.url + "/api/leaderboard?benchmark=toy", lua_request("GET", project.token)),
            ("POST /api/jobs (enqueue)", project.url + "/api/jobs", lua_enqueue(users)),
            ("POST submission 1 MB", project.url + "/api/submissions",
             lua_request("POST", project.token, workdir / "upload.bin", upload_type)),
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
                rounds = [(wrk(endpoints[0][1], endpoints[0][2], clients, args.seconds, workdir),
                           wrk(url, script, clients, args.seconds, workdir)) for _ in range(args.rounds)]
                base, result, ratios = median_row(rounds)
                print(row(endpoints[0][0], base, base))
                print(ratio_row(name, result, ratios), flush=True)
                if not name.startswith("standalone"):  # the second standalone is a yardstick's variant
                    cpu_rows.append((clients, name, rounds))
        print_cpu_table(cpu_rows)
        if args.ws_viewers:
            ws = websocket_frames(project.port, args.ws_viewers, args.ws_seconds)
            print(f"\nWebSocket /ws/inference through the same port, {args.ws_viewers} viewers for {args.ws_seconds:.0f} s: "
                  f"{ws['frames']} frames, P50 {ws['p50']:.2f} ms, P95 {ws['p95']:.2f} ms, P99 {ws['p99']:.2f} ms, "
                  f"errors {ws['errors']}")
        if args.mixed_seconds:
            bare_result = wrk(bare.url + "/bare", lua_request("GET", bare.token), 50, args.seconds, workdir)
            script = lua_mixed(project.token, {"status": f"/api/jobs/{job}/status", "enqueue": "/api/jobs",
                                               "upload": "/api/submissions"},
                               {"upload": (workdir / "upload.bin", upload_type)}, users)
            result = wrk(project.url, script, 50, args.mixed_seconds, workdir)
            print(f"\nmixed: 50 connections for {args.mixed_seconds:.0f} s (status 70 %, enqueue 20 %, upload 10 %)\n"
                  f"{HEADER}")
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
