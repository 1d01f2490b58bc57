"""Without Redis, the cache every process shares holds thousands of entries.

Tokens, phases and rate-limit counters live in this cache (the embedded
defaults: no REDIS_URL). Django's FileBasedCache culled a third of its entries
whenever it held 300, so a platform with more than 300 active tokens missed on
nearly every request and fell back to the database. The settings module is run
in fresh processes, as gunicorn's workers run it: one writes, another reads.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

ENTRIES = 2_000

WRITE = f"""
import django; django.setup()
from django.core.cache import cache
for i in range({ENTRIES}):
    assert cache.set(f"token:{{i}}", {{"user": i}}, 600) is not False
"""

READ = f"""
import django; django.setup()
from django.core.cache import cache
from django.conf import settings
print(settings.CACHES["default"]["BACKEND"])
print(sum(cache.get(f"token:{{i}}") == {{"user": i}} for i in range({ENTRIES})))
"""


def _embedded(code: str, data_dir) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LB_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_two_thousand_entries_written_by_one_process_are_all_read_by_another(tmp_path):
    _embedded(WRITE, tmp_path)

    backend, found = _embedded(READ, tmp_path).split()

    assert "redis" not in backend.lower()  # the embedded defaults, not the Redis cache
    assert int(found) == ENTRIES, f"{found} of {ENTRIES} entries left in the {backend} cache"


REQUESTS = """
import django; django.setup()
import diskcache.core
from django.core import signals
from django.core.cache import cache
connects = []
real_connect = diskcache.core.sqlite3.connect
diskcache.core.sqlite3.connect = lambda *a, **k: connects.append(a) or real_connect(*a, **k)
cache.set("token:1", "alice")
opened = len(connects)
for _ in range(20):  # what Django does around each request
    signals.request_started.send(sender=None)
    assert cache.get("token:1") == "alice"
    signals.request_finished.send(sender=None)
print(opened, len(connects))
"""


def test_requests_reuse_the_cache_connections_a_first_read_opened(tmp_path):
    """Django closes every cache at each request's end; reconnecting cost ~0.5 ms a request."""
    opened, after = map(int, _embedded(REQUESTS, tmp_path).split())

    assert opened >= 1  # the first use connected
    assert after == opened, f"{after - opened} connections opened by 20 requests"
