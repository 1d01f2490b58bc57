"""The shared cache without Redis: DiskCache's Django backend, its connections kept between requests.

Django calls ``close()`` on every cache when a request finishes. For its own file and
memory caches that does nothing; ``diskcache.DjangoCache`` closes the SQLite connection
of each shard there, so the next request reconnected and re-read its settings: about
0.5 ms of a worker's CPU per request, a third of a small API call (docs/performance.md).
The connections are per thread and reopened after a fork (DiskCache checks the pid), so
keeping them open is safe under gunicorn's threads and workers.
"""

from __future__ import annotations

from diskcache import DjangoCache


class PersistentDiskCache(DjangoCache):
    """``diskcache.DjangoCache`` whose connections outlive the request."""

    def close(self, **kwargs) -> None:
        pass  # kept open: see the module docstring; ``self._cache.close()`` still closes them all
