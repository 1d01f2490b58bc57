"""Settings for the test suite: the real settings module, fed a test environment.

Everything lives in a throw-away LB_DATA_DIR; the benchmark list adds the toy
benchmark (tests/support/toy.py) to the shipped ones. DATABASE_URL and
REDIS_URL are taken from the environment when set, so the same suite runs on
SQLite + SQLite Huey and on PostgreSQL + Redis (see scripts/test.sh).
"""

import os
import tempfile

os.environ.setdefault("LB_DATA_DIR", tempfile.mkdtemp(prefix="lb-test-"))
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
