"""On the embedded SQLite database, transactions queue on a file lock (config/sqlite_backend): held from BEGIN
to COMMIT or ROLLBACK, so a waiting writer is woken by the commit instead of polling SQLite's busy handler."""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager

import pytest
from django.db.utils import ConnectionHandler


@contextmanager
def _atomic(db):
    """What transaction.atomic does on SQLite, for a connection outside django.db.connections."""
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    else:
        db.commit()
    finally:
        db.set_autocommit(True)


@pytest.fixture
def sqlite(tmp_path, django_db_blocker):
    def connect():
        handler = ConnectionHandler(
            {
                "default": {
                    "ENGINE": "config.sqlite_backend",
                    "NAME": str(tmp_path / "db.sqlite3"),
                    "OPTIONS": {
                        "transaction_mode": "IMMEDIATE",
                        "timeout": 20,
                        "init_command": "PRAGMA journal_mode=WAL;",
                    },
                }
            }
        )
        return handler["default"]

    with django_db_blocker.unblock():
        first = connect()
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n integer)")
        yield connect, tmp_path / "db.sqlite3.writelock"
        first.close()


def _held(lock_path) -> bool:
    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_lock_is_held_from_begin_to_commit_and_rollback(sqlite):
    connect, lock_path = sqlite
    db = connect()
    with _atomic(db):
        db.cursor().execute("INSERT INTO t VALUES (1)")
        assert _held(lock_path)
    assert not _held(lock_path)
    with pytest.raises(RuntimeError):
        with _atomic(db):
            db.cursor().execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("roll back")
    assert not _held(lock_path)
    assert db.cursor().execute("SELECT n FROM t").fetchall() == [(1,)]
    db.close()


def test_a_second_writer_waits_for_the_first_commit(sqlite):
    connect, lock_path = sqlite
    order = []
    inside = threading.Event()
    release = threading.Event()

    def first():
        db = connect()
        with _atomic(db):
            db.cursor().execute("INSERT INTO t VALUES (1)")
            inside.set()
            release.wait(10)
            order.append("first commits")
        db.close()

    def second():
        inside.wait(10)
        db = connect()
        with _atomic(db):  # blocks on the file lock until the first commits
            order.append("second begins")
            db.cursor().execute("INSERT INTO t VALUES (2)")
        db.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(10)
    threading.Event().wait(0.2)  # the second writer is parked by now
    assert order == [] and _held(lock_path)
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second begins"]
    assert not _held(lock_path)
