"""Settings for the test suite: the real settings module, fed a test environment.

Everything lives in a throw-away LB_DATA_DIR; the benchmark list adds the toy
benchmark (tests/support/toy.py) to the shipped ones. DATABASE_URL and
REDIS_URL are taken from the environment when set, so the same suite runs on
SQLite + SQLite Huey and on PostgreSQL + Redis (see scripts/test.sh).

Under pytest-xdist (``-n N``) every worker is its own installation: its own
LB_DATA_DIR (so its SQLite database, Huey queue, disk cache and uploads), its
own queue name, its own PostgreSQL test database (pytest-django appends the
worker id) and its own Redis database numbers (see ``_redis_db_for_worker``).
"""

import os
import re
import tempfile

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … under xdist; unset otherwise
# Subprocesses that load these settings inherit the already shifted environment: shift it once only.
if os.environ.get("LB_TEST_WORKER_ENV") == _WORKER:
    _WORKER = ""
_WORKER_INDEX = int(_WORKER[2:]) if _WORKER.startswith("gw") and _WORKER[2:].isdigit() else 0


def _redis_db_for_worker(name: str) -> None:
    """Shift the Redis database of ``os.environ[name]`` by the xdist worker's index.

    Tests clear the cache (a FLUSHDB), and the stacks the e2e tests start share a cache with no key prefix:
    two workers on one database would wipe or read each other's keys. With ``REDIS_URL=…/12`` and ``-n 2``,
    worker gw0 uses 12 and gw1 uses 13 (scripts/test.sh gives each URL its own range).
    """
    url = os.environ.get(name, "")
    match = re.fullmatch(r"(redis://[^/]*)(?:/(\d*))?", url)
    if not _WORKER or not match:
        return
    db = int(match.group(2) or 0) + _WORKER_INDEX
    if db > 15:
        raise RuntimeError(f"{name}={url} with xdist worker {_WORKER} needs Redis database {db}: lower its base")
    os.environ[name] = f"{match.group(1)}/{db}"


# Environment, not just settings: the servers and workers the tests start as subprocesses inherit it.
_redis_db_for_worker("REDIS_URL")
_redis_db_for_worker("LB_TEST_REDIS_URL")
# xdist's controller loads these settings too, and its workers inherit what it set here: make it theirs.
if _WORKER and os.environ.get("LB_DATA_DIR"):
    os.environ["LB_DATA_DIR"] = os.path.join(os.environ["LB_DATA_DIR"], _WORKER)
if _WORKER and os.environ.get("LB_QUEUE_NAME"):
    os.environ["LB_QUEUE_NAME"] = f"{os.environ['LB_QUEUE_NAME']}-{_WORKER}"
os.environ.setdefault("LB_DATA_DIR", tempfile.mkdtemp(prefix=f"lb-test-{_WORKER}-" if _WORKER else "lb-test-"))
if _WORKER:
    os.makedirs(os.environ["LB_DATA_DIR"], exist_ok=True)  # Huey's SQLite queue opens its file at setup
    os.environ["LB_TEST_WORKER_ENV"] = _WORKER
os.environ.setdefault("LB_BENCHMARKS", "tests.support.toy:benchmarks")
os.environ.setdefault("LB_QUEUE_NAME", f"lb-test-{os.getpid()}")
os.environ.setdefault("LB_TRACKING_RETRIES", "2")
os.environ.setdefault("LB_TRACKING_BACKOFF_S", "0.2")
# Re-running the top of a board when its phase ends (leaderboard/reproduction.py) adds jobs and an audit
# row to every close; the tests of that feature turn it on (tests/leaderboard/reproduction/).
os.environ.setdefault("LB_REPRODUCE_TOP_K", "0")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests

if DATABASES["default"]["ENGINE"] == "config.sqlite_backend":  # noqa: F405
    # A file, not shared-cache memory: threads and worker processes in the
    # tests must see the same database with real SQLite locking.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}  # noqa: F405
