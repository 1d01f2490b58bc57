"""The Redis cache backend keeps one client per connection pool (core/redis_cache.py) and still works from threads."""

from __future__ import annotations

import os
import threading
import uuid

from django.core.cache.backends.redis import RedisCache

from core.redis_cache import SharedClientRedisCache

URL = os.environ.get("LB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _backend(cls):
    return cls(URL, {"KEY_PREFIX": f"lb-test-{uuid.uuid4().hex}", "TIMEOUT": 60})


def test_every_call_shares_one_client_where_djangos_builds_one_each():
    ours, djangos = _backend(SharedClientRedisCache), _backend(RedisCache)
    assert ours._cache.get_client() is ours._cache.get_client(write=True)
    assert djangos._cache.get_client() is not djangos._cache.get_client()


def test_threads_read_and_write_their_own_keys():
    cache = _backend(SharedClientRedisCache)
    failures = []

    def work(n: int) -> None:
        for i in range(50):
            key = f"k{n}-{i}"
            cache.set(key, {"n": n, "i": i})
            if cache.get(key) != {"n": n, "i": i}:
                failures.append(key)
            cache.delete(key)
            if cache.get(key) is not None:
                failures.append(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
