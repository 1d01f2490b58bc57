"""Prepare a fresh installation for a server a test starts: ``migrate``, ``bootstrap`` and ``issue_token``.

The same management commands ``make run`` runs, called in one interpreter: each ``manage.py`` start
costs about two seconds of CPU (Django, the apps, their libraries), and the suite prepares dozens of
installations.

Each installation's database starts as a copy of one this test process migrated (a file copy on
SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL): migrating from nothing cost 2 s on SQLite and
3 s on PostgreSQL, a copy a fraction of that. ``migrate`` still runs on the copy and finds nothing to do;
``bootstrap`` (the installation's own seed and secret key) runs on each installation as ``make run``'s does.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]

_PREPARE = """\
import io
import sys

import django

from config.startup import prepare_data_dir

prepare_data_dir()  # what manage.py does before any command
django.setup()
from django.core.management import call_command

call_command("migrate", interactive=False, verbosity=0)
call_command("bootstrap")
for username in sys.argv[1:]:
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    # issue_token prints the raw token alone on its last line.
    print("token:", out.getvalue().strip().splitlines()[-1])
"""


def prepare_installation(env: dict, *users: str, timeout: float = 300) -> list[str]:
    """Migrate and bootstrap the installation ``env`` describes (its DATABASE_URL, LB_DATA_DIR, settings
    module), then issue one API token per user in ``users``; returns the raw tokens, in that order."""
    sqlite_file = _sqlite_file(env)
    if sqlite_file is not None and not sqlite_file.exists():
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), sqlite_file)
    stdout = _python(["-c", _PREPARE, *users], env, timeout)
    tokens = [line.removeprefix("token: ") for line in stdout.splitlines() if line.startswith("token: ")]
    assert len(tokens) == len(users), stdout[-3000:]
    return tokens


def suite_on_postgres() -> bool:
    """Whether the suite runs on PostgreSQL (``DATABASE_URL``; scripts/test.sh's pass 1)."""
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def fresh_database_url(tmp: Path) -> str:
    """A new, migrated database for one installation: a PostgreSQL database on the suite's server when the
    suite runs on PostgreSQL, else a SQLite file in ``tmp`` (copied when prepared)."""
    if not suite_on_postgres():
        return f"sqlite:///{tmp}/db.sqlite3"
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"lb_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template(server)}"')
    return f"{server}/{name}"


_made: dict[str, str] = {}
_making = threading.Lock()


def _sqlite_file(env: dict) -> Path | None:
    url = env.get("DATABASE_URL", "")
    if not url:
        return Path(env["LB_DATA_DIR"]) / "db.sqlite3" if env.get("LB_DATA_DIR") else None  # settings' default
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _migrate(database_url: str, data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
        LB_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        LB_BENCHMARKS="tests.support.toy:benchmarks",
    )
    _python(["manage.py", "migrate", "--noinput", "-v", "0"], env, 300)


def _python(args: list[str], env: dict, timeout: float) -> str:
    """Run this interpreter with ``args`` in the project root; its standard output, or the failure."""
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _sqlite_template() -> Path:
    """This process's migrated SQLite database (made on first use)."""
    with _making:
        if "sqlite" not in _made:
            root = Path(tempfile.mkdtemp(prefix="lb-template-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            _migrate(f"sqlite:///{root}/db.sqlite3", root / "data")
            # migrate's last connection closed and checkpointed its write-ahead log: the file is whole.
            assert not (root / "db.sqlite3-wal").exists()
            _made["sqlite"] = str(root / "db.sqlite3")
        return Path(_made["sqlite"])


def _postgres_template(server: str) -> str:
    """This process's migrated PostgreSQL database on ``server`` (made on first use, dropped at exit)."""
    with _making:
        if server not in _made:
            name = f"lb_template_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(server + "/postgres", autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            atexit.register(_drop_database, server, name)
            root = Path(tempfile.mkdtemp(prefix="lb-template-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            _migrate(f"{server}/{name}", root / "data")
            _made[server] = name
        return _made[server]


def _drop_database(server: str, name: str) -> None:
    try:
        with psycopg.connect(server + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    except psycopg.Error:
        pass  # the server is already gone: nothing left to drop
