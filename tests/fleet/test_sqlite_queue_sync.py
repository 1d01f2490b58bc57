"""The embedded queue (Huey on SQLite) commits like the embedded database: WAL, synchronous=NORMAL, so an enqueue
does not wait for an fsync; what it enqueued is there for the next connection."""

from __future__ import annotations

from jobs.queue_huey import PoolSqliteStorage


def test_enqueues_skip_the_fsync_and_stay_queued(tmp_path):
    storage = PoolSqliteStorage(
        name="lb-test", filename=str(tmp_path / "huey.sqlite3"), pools=["gpu"], all_pools=["default", "gpu"]
    )
    assert storage.sql("pragma synchronous", results=True)[0][0] == 1  # NORMAL (SQLite's default is FULL, 2)
    assert storage.sql("pragma journal_mode", results=True)[0][0] == "wal"
    storage.enqueue_pool("gpu", b"job-1")
    storage.close()

    reopened = PoolSqliteStorage(
        name="lb-test", filename=str(tmp_path / "huey.sqlite3"), pools=["gpu"], all_pools=["default", "gpu"]
    )
    assert reopened.pool_size("gpu") == 1 and reopened.dequeue() == b"job-1"


def test_a_pool_enqueue_is_one_statement(tmp_path):
    """The push holds the queue's write lock only inside its own statement (no BEGIN ... COMMIT around it)."""
    storage = PoolSqliteStorage(
        name="lb-test", filename=str(tmp_path / "huey.sqlite3"), pools=["gpu"], all_pools=["default", "gpu"]
    )
    statements = []
    storage.conn.set_trace_callback(statements.append)
    storage.enqueue_pool("gpu", b"job-1")
    storage.conn.set_trace_callback(None)
    assert [s.split()[0].lower() for s in statements] == ["insert"]
    assert storage.pool_size("gpu") == 1
