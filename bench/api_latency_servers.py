"""The two servers bench/api_latency.py measures: the project's production tier
(``scripts/serve.sh``) and the standalone bare DRF project (the yardstick), with the
HTTP helpers both need."""

from __future__ import annotations

import io
import os
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
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="archive"; filename="s.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n".encode()
        + archive
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Project:
    """The production tier, started by scripts/serve.sh."""

    def __init__(self, worker_class: str, workers: int, threads: int, enqueue_users: int = 500):
        self.enqueue_users = enqueue_users
        self.tmp = Path(tempfile.mkdtemp(prefix="lb-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LB_DATA_DIR": str(self.tmp / "data"),
            "LB_BENCHMARKS": "tests.support.toy:benchmarks",
            "LB_BENCH_VIEWS": "1",
            "LB_RATELIMIT_ENABLE": "0",
            "LB_MAX_ACTIVE_JOBS_PER_USER": "100000000",
            "LB_RATE_JOBS_HOUR": "100000000/h",
            "PYTHONPATH": str(ROOT),
            "PYTHON": PY,
            "LB_LOG_LEVEL": os.environ.get("LB_LOG_LEVEL", "WARNING"),
            "LB_QUEUE_NAME": f"lb-bench-{os.getpid()}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LB_WEB_PORT": str(self.port),
            "LB_WEB_WORKER_CLASS": worker_class,
            "LB_WEB_WORKERS": str(workers),
            "LB_WEB_THREADS": str(threads),
        }
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
        return subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        ).stdout

    def __enter__(self):
        self.manage("migrate", "--noinput")
        self.manage("bootstrap")
        self.token = self.manage("issue_token", "bench").strip().splitlines()[-1]
        # Enqueue load comes from many submitters, as a busy platform's does: one user's
        # enqueues serialise on that user's row lock, which keeps the per-user limits exact.
        self.user_tokens = [
            word
            for word in self.manage("shell", "-c", ENQUEUE_USERS.format(count=self.enqueue_users)).split()
            if word.startswith("lb_")
        ]
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=open(self.tmp / "serve.log", "wb"),
            stderr=subprocess.STDOUT,
        )
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

    with psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(statement)


def standalone_database(folder: Path, conn_max_age: int) -> dict:
    """The standalone's database: the same engine and server as the project's.

    SQLite (the embedded default): Django's defaults, a connection per request, as in
    issue 13's table. PostgreSQL: a database of its own on the project's server, with
    connections kept like the project keeps them; a new PostgreSQL connection per
    request would slow the yardstick and flatter every ratio."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(folder / "db.sqlite3"),
            "CONN_MAX_AGE": conn_max_age,
        }
    import dj_database_url

    database = dj_database_url.parse(url, conn_max_age=max(conn_max_age, 60))
    database["NAME"] = f"lb_bare_{os.getpid()}_{folder.name.rsplit('-', 1)[-1].lower()}"
    database = {
        k: v for k, v in database.items() if k in {"ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "CONN_MAX_AGE"}
    }
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
        (package / "wsgi.py").write_text(
            "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
        )
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
        self.token = (
            subprocess.run([PY, "-c", script], env=self.env, check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        self.process = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "bareproject.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                self.worker_class,
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--backlog",
                "2048",
                "--keep-alive",
                "75",
                "--log-level",
                "warning",
            ],
            cwd=self.tmp,
            env=self.env,
            start_new_session=True,
            stdout=open(self.tmp / "server.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        wait_http(self.url + "/bare", self.process)
        check = requests.get(self.url + "/bare", headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        assert check.status_code == 200, check.text[:500]
        return self

    def __exit__(self, *exc):
        stop(self.process)
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.database["ENGINE"].endswith("postgresql"):
            postgres_admin(self.database, f'DROP DATABASE IF EXISTS "{self.database["NAME"]}"')
