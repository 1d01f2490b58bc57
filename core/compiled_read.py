"""A read that the ORM builds once per process, then runs with each call's arguments.

Building a query through the ORM (filters, lookups, compiling to SQL) can cost more Python
than the database spends running it: the enqueue's check of a submission and two limit
counts cost about 1 ms of a 2.3 ms request that way (docs/performance.md). A
:class:`CompiledRead` asks the ORM for the statement once, with placeholder arguments, and
afterwards runs that same SQL with the call's arguments where the placeholders were.

The SQL is the ORM's own, built from the same queryset function, so no rule is spelled a
second time: a changed rule is a new statement the next time the process builds it, and a
rule that differs per call (staff or not, a rule object) goes in the ``variant``, which keys
the cache. ``tests/core/test_compiled_read.py`` checks the statement and its parameters
against the ORM's for real arguments.

It reads ``QuerySet.query.sql_with_params()``, which Django does not document: the ledger of
docs/performance.md lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet


@dataclass(frozen=True)
class Param:
    """One argument: the model field whose database preparation its value gets (as the lookup
    it stands in gives it), and a placeholder value that no real argument or constant equals."""

    field: Field
    placeholder: Any


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple  # the constants, with None where an argument goes
    slots: tuple[tuple[int, str], ...]  # (position in params, argument name)


class CompiledRead:
    """``build(variant, **arguments)`` returns the queryset; :meth:`fetchone` runs its SQL."""

    def __init__(self, build: Callable[..., QuerySet], **params: Param) -> None:
        self._build = build
        self._params = params
        self._statements: dict[tuple[str, Hashable], Statement] = {}

    def statement(self, variant: Hashable = (), *, using: str = "default") -> Statement:
        key = (using, variant)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = self._compile(variant, using)
        return statement

    def sql_with_params(self, variant: Hashable = (), *, using: str = "default", **arguments) -> tuple[str, tuple]:
        """The statement and its parameters for these arguments (what :meth:`fetchone` runs)."""
        connection = connections[using]
        statement = self.statement(variant, using=using)
        params = list(statement.params)
        for position, name in statement.slots:
            params[position] = self._params[name].field.get_db_prep_value(arguments[name], connection)
        return statement.sql, tuple(params)

    def fetchone(self, variant: Hashable = (), *, using: str = "default", **arguments) -> tuple | None:
        sql, params = self.sql_with_params(variant, using=using, **arguments)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def _compile(self, variant: Hashable, using: str) -> Statement:
        connection = connections[using]
        queryset = self._build(variant, **{name: param.placeholder for name, param in self._params.items()})
        sql, params = queryset.using(using).query.sql_with_params()
        prepared = {
            name: param.field.get_db_prep_value(param.placeholder, connection) for name, param in self._params.items()
        }
        slots, unseen = [], set(prepared)
        constants = list(params)
        for position, value in enumerate(params):
            names = [name for name, placeholder in prepared.items() if _same(value, placeholder)]
            if len(names) > 1:
                raise ValueError(f"placeholders {names} are prepared to the same value {value!r}")
            if names:
                slots.append((position, names[0]))
                constants[position] = None
                unseen.discard(names[0])
        if unseen:  # the lookup prepared it differently, or the queryset does not use it
            raise ValueError(f"placeholders {sorted(unseen)} not found in the statement's parameters")
        return Statement(sql=sql, params=tuple(constants), slots=tuple(slots))


def _same(value: Any, placeholder: Any) -> bool:
    # Same type as well as equal: a constant False must not be taken for an argument prepared to 0.
    return type(value) is type(placeholder) and value == placeholder
