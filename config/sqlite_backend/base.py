"""SQLite for the embedded defaults, with writers that queue instead of sleeping.

Every transaction here is IMMEDIATE (config/settings.py): it takes SQLite's write lock
at BEGIN, which keeps "count, then insert" checks exact. A writer that finds the lock
taken is parked by SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, ...
ms between tries: with four clients enqueueing, the 95th percentile was ~190 ms where
the median was 12 ms (docs/performance.md). So transactions first take an exclusive
``flock`` on ``<database>.writelock``: the kernel wakes the next waiter the moment the
holder commits, and SQLite's busy handler is left for writers outside transactions.
The lock is released at commit, rollback or close; a process that dies releases it.
In-memory databases (one process) take no lock.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_locked = False

    def _start_transaction_under_autocommit(self):
        if not self.is_in_memory_db():
            if self._writer_fd is None:
                self._writer_fd = os.open(
                    f"{self.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
                )
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            self._writer_locked = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._writer_locked:
            self._writer_locked = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
