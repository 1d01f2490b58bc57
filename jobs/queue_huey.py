"""The Huey adapters of the job queue (jobs/queue.py): Redis and the embedded SQLite queue,
each with one queue per pool (no Django import: settings name these classes).

A task enqueued with a ``pool`` keyword argument goes to that pool's queue
(``<queue>.pool.<pool>``); everything else (sweeps, training runs) stays on the
main queue. A consumer dequeues from the main queue and from the pools it serves
(``LB_WORKER_POOLS``), so a job only reaches a worker that serves its pool. A
retried task keeps its keyword arguments and so goes back to its own pool's queue.

``queue_size()`` (Huey's ``pending_count()``) counts the main queue and every pool's
queue, so the health check sees the whole backlog; ``pool_size(pool)`` reads one pool.
One Huey method is overridden (``enqueue``, with public names); the storages override
the storage interface and, on SQLite, ``_create_connection`` (see there).
"""

from __future__ import annotations

from huey import RedisHuey, SqliteHuey
from huey.api import Result, Task
from huey.storage import RedisStorage, SqliteStorage

SEPARATOR = ".pool."


class PoolStorage:
    """What the pool storages share; jobs.queue routes pools for a Huey whose storage is one."""

    def _init_pools(self, pools, all_pools) -> None:
        self.pools = list(pools or [])
        self.all_pools = sorted(set(all_pools or []) | set(self.pools))

    def pool_queue(self, pool: str) -> str:
        return f"{self.name}{SEPARATOR}{pool}"


class PoolRedisStorage(PoolStorage, RedisStorage):
    def __init__(self, name="huey", pools=(), all_pools=(), **kwargs):
        super().__init__(name, **kwargs)
        self._init_pools(pools, all_pools)

    def _key(self, pool: str) -> str:
        return f"{self.queue_key}{SEPARATOR}{pool}"

    def enqueue_pool(self, pool: str, data: bytes) -> None:
        self.conn.lpush(self._key(pool), data)

    def pool_size(self, pool: str) -> int:
        return self.conn.llen(self._key(pool))

    def dequeue_pools(self, pools) -> bytes | None:
        """One message from the first of ``pools`` that has one (a remote worker's claim), never blocking."""
        for pool in pools:
            data = self.conn.rpop(self._key(pool))
            if data is not None:
                return data
        return None

    def dequeue(self):
        keys = [self.queue_key] + [self._key(pool) for pool in self.pools]
        if self.blocking:
            try:
                return self.conn.brpop(keys, timeout=self.read_timeout)[1]
            except (TimeoutError, TypeError, IndexError):
                return None
        for key in keys:
            data = self.conn.rpop(key)
            if data is not None:
                return data
        return None

    def queue_size(self) -> int:
        return super().queue_size() + sum(self.pool_size(pool) for pool in self.all_pools)

    def flush_queue(self) -> None:
        super().flush_queue()
        for pool in self.all_pools:
            self.conn.delete(self._key(pool))


class PoolSqliteStorage(PoolStorage, SqliteStorage):
    def __init__(self, name="huey", pools=(), all_pools=(), **kwargs):
        super().__init__(name, **kwargs)
        self._init_pools(pools, all_pools)

    def _create_connection(self):
        # Huey leaves SQLite's default, synchronous=FULL: an fsync of the WAL on every
        # enqueue, each one waited for by the web request. NORMAL, as the Django database
        # runs (config/settings.py), survives a crash of any process; a power cut can lose
        # the last queue items, and the sweeper queues pending jobs again (jobs_sweep).
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection

    def enqueue_pool(self, pool: str, data: bytes) -> None:
        # One INSERT on the autocommit connection is its own transaction: huey's
        # sql(commit=True) wraps it in BEGIN EXCLUSIVE ... COMMIT, three statements
        # with the queue's write lock held between them.
        with self.lock:
            self.conn.execute(
                "insert into task (queue, data, priority) values (?, ?, ?)",
                (self.pool_queue(pool), self.to_blob(data), 0),
            )

    def pool_size(self, pool: str) -> int:
        return self.sql("select count(id) from task where queue=?", (self.pool_queue(pool),), results=True)[0][0]

    def dequeue_pools(self, pools) -> bytes | None:
        """One message from ``pools``' queues, in the order given (a remote worker's claim)."""
        return self._take_first([self.pool_queue(pool) for pool in pools])

    def dequeue(self):
        queues = [self.name] + [self.pool_queue(pool) for pool in self.pools]
        marks = ", ".join("?" for _ in queues)
        if not self.sql(f"select 1 from task where queue in ({marks}) limit 1", queues, results=True):
            return None
        # The main queue first (sweeps), then the pools in the order served.
        return self._take_first(queues)

    def _take_first(self, queues: list[str]) -> bytes | None:
        """Delete and return the first message of ``queues``, earlier queues first; None if they are empty."""
        if not queues:
            return None
        marks = ", ".join("?" for _ in queues)
        with self.db(commit=True) as curs:
            order = " ".join(f"when ? then {i}" for i in range(len(queues)))
            curs.execute(
                f"select id, data from task where queue in ({marks}) "
                f"order by case queue {order} end, priority desc, id limit 1",
                queues + queues,
            )
            row = curs.fetchone()
            if row is not None:
                curs.execute("delete from task where id = ?", (row[0],))
                if curs.rowcount == 1:
                    return row[1]
        return None

    def queue_size(self) -> int:
        names = [self.name] + [self.pool_queue(pool) for pool in self.all_pools]
        marks = ", ".join("?" for _ in names)
        return self.sql(f"select count(id) from task where queue in ({marks})", names, results=True)[0][0]

    def flush_queue(self) -> None:
        super().flush_queue()
        for pool in self.all_pools:
            self.sql("delete from task where queue=?", (self.pool_queue(pool),), commit=True)


class _PoolHueyMixin:
    def enqueue(self, task):
        """A task with a ``pool`` keyword goes to that pool's queue; a retry too, as it keeps its
        keywords. Written with Huey's public names only; unlike Huey's own enqueue it sends no
        SIGNAL_ENQUEUED (nothing here listens) and follows no pipeline (no job task has one)."""
        pool = task.kwargs.get("pool") if isinstance(task, Task) and task.kwargs else None
        if pool is None or self.immediate:
            return super().enqueue(task)
        if task.expires:
            task.resolve_expires(self.utc)
        self.storage.enqueue_pool(pool, self.serialize_task(task))
        return Result(self, task) if self.results else None


class PoolRedisHuey(_PoolHueyMixin, RedisHuey):
    storage_class = PoolRedisStorage


class PoolSqliteHuey(_PoolHueyMixin, SqliteHuey):
    storage_class = PoolSqliteStorage
