"""Hot-path SQL: prepared statements on PostgreSQL and a plain INSERT of a model row.

The enqueue runs the same few statements thousands of times per connection. Django's
PostgreSQL cursor binds parameters on the client, so the server parses and plans each
one again: for the enqueue check that was two thirds of its database time
(docs/performance.md). :func:`prepared_cursor` binds on the server and prepares each
statement once per connection (psycopg's ``prepare=True``); later executions skip the
parse and the plan.

psycopg prepares nothing while the connection's ``prepare_threshold`` is None (Django's
default, for transaction-pooling proxies). The settings raise it out of reach, so that
psycopg prepares only what asks for it; ``LB_DB_PREPARED=0`` keeps None, and these
statements then run unprepared with server-side binding. Everything else Django runs
keeps its client-side binding either way.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import JSONField, Model
from django.db.models.signals import post_save, pre_save

try:
    import psycopg
except ImportError:  # SQLite-only installs
    psycopg = None


if psycopg is not None:

    class _PreparingCursor(psycopg.Cursor):
        """A server-binding cursor whose every statement is prepared (once per connection)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg records the query only on unprepared executions; Django's query
            # capture (tests, DEBUG) reads it from there.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator:
    """A cursor for hand-written hot statements (``%s`` placeholders, one statement per execute).

    On PostgreSQL each statement is prepared on first use; elsewhere this is Django's cursor
    (SQLite's driver caches its compiled statements already). Either way the cursor goes
    through Django's wrappers, so query capture and execute wrappers see its statements."""
    connection = connections[using]
    if connection.vendor != "postgresql" or psycopg is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection._prepare_cursor(_PreparingCursor(connection.connection))  # Django's own wrapping
    with cursor:
        yield cursor


def insert_row(instance: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """``instance.save(force_insert=True)`` as one prepared INSERT of every column.

    For hot paths only: the ORM compiles the same INSERT on every save, which cost more
    CPU than the database spent on it. Sends ``pre_save`` and ``post_save`` as ``save``
    does. The model must take its primary key from Python (a UUID default) and have no
    parent models or database-computed columns."""
    _, values = row_values(instance, using)
    with prepared_cursor(using) as cursor:
        cursor.execute(_insert_sql(type(instance), connections[using].vendor), values)
    mark_inserted(instance, using)


def row_values(instance: Model, using: str = DEFAULT_DB_ALIAS) -> tuple[tuple, list]:
    """The columns :func:`insert_row` writes and their database values, for a statement
    that inserts the row itself. Sends ``pre_save`` as ``save`` does; call
    :func:`mark_inserted` once the row is in."""
    model = type(instance)
    fields = insert_fields(model)
    pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    connection = connections[using]
    return fields, [field.get_db_prep_save(field.pre_save(instance, True), connection=connection) for field in fields]


def mark_inserted(instance: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """What ``save`` does once its INSERT is in: the instance is stored, ``post_save`` is sent."""
    instance._state.adding = False
    instance._state.db = using
    post_save.send(sender=type(instance), instance=instance, created=True, update_fields=None, raw=False, using=using)


def row_json(instance: Model, using: str = DEFAULT_DB_ALIAS) -> str:
    """The row :func:`insert_row` would write, as one JSON object of column -> value.

    For a database function that inserts it itself (PostgreSQL's ``jsonb_populate_record``
    turns it back into the table's row type), so that the statement need not name every
    column. Sends ``pre_save`` as :func:`insert_row` does; call :func:`mark_inserted` once
    the row is in. JSON columns are written as nested JSON, so their fields must use the
    default encoder."""
    model = type(instance)
    fields = insert_fields(model)
    pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    connection = connections[using]
    row = {}
    for field in fields:
        value = field.pre_save(instance, True)
        if isinstance(field, JSONField):
            if field.encoder is not None:
                raise TypeError(f"row_json cannot write {field}: it has a custom JSON encoder")
            row[field.column] = value
        else:
            row[field.column] = field.get_db_prep_save(value, connection=connection)
    return json.dumps(row, default=_json_scalar, separators=(",", ":"))


def _json_scalar(value):
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    raise TypeError(f"row_json cannot write {type(value).__name__}")


@cache
def insert_fields(model: type[Model]) -> tuple:
    meta = model._meta
    if meta.parents or meta.pk.db_returning or any(f.db_returning for f in meta.local_concrete_fields):
        raise TypeError(f"insert_row cannot insert {meta.label}: it has parents or database-computed columns")
    return tuple(meta.local_concrete_fields)


@cache
def _insert_sql(model: type[Model], vendor: str) -> str:
    fields = insert_fields(model)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({", ".join(["%s"] * len(fields))})'
