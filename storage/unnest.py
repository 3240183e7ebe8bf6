"""Many rows of one table in one short statement on PostgreSQL: one array a column, unnested.

An ``executemany`` of an INSERT on PostgreSQL (psycopg's pipeline) is still one execution a row:
each row's parameters dumped in Python and sent, each executed by the server on its own (~0.08 ms
a row of the bot's CPU beside the server's). A multi-VALUES INSERT (SQLAlchemy's insertmanyvalues)
is one statement, but a long one, different for every number of rows: psycopg splits it in Python
each time (too long for its cache) and the server plans it again. Here the rows are sent as one
array a column and the statement is always the same, short, prepared once:

    INSERT INTO t (a, b, …) SELECT unnest(:a), unnest(:b), … [ON CONFLICT …] [RETURNING …]

Set-returning functions side by side in a select list run in step (PostgreSQL ≥ 10), so the rows
come out in the order given and take their ids from the sequence in that order, as the
executemany's rows did. A JSON column is sent as text (``json.dumps``, as SQLAlchemy's JSON type
does for one value) and cast back: an array of JSON values would read a list value as a
dimension of the array. Elsewhere (SQLite, one row) ``insert_many`` is the plain executemany.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Select, Table, Text, bindparam, cast, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

#: (table, columns) → the statement (built once: building one costs about as much as running it)
_BUILT: dict[tuple[Table, tuple[str, ...]], Insert] = {}


def source(table: Table, columns: Sequence[str]) -> Select[Any]:
    """``SELECT unnest(:a), unnest(:b) …``: the rows of ``arrays``, one array parameter a column
    (named as the column), for PostgreSQL."""
    parts: list[Any] = []
    for name in columns:
        type_ = table.c[name].type
        if isinstance(type_, JSON):
            parts.append(cast(func.unnest(bindparam(name, type_=ARRAY(Text))), type_))
        else:
            parts.append(func.unnest(bindparam(name, type_=ARRAY(type_))))
    return select(*parts)


def statement(table: Table, columns: Sequence[str]) -> Insert:
    """``INSERT INTO table (columns) SELECT unnest(:column) …`` (``source``), built once."""
    key = (table, tuple(columns))
    built = _BUILT.get(key)
    if built is None:
        built = _BUILT[key] = insert(table).from_select(list(columns), source(table, columns))
    return built


def arrays(table: Table, rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The parameters of ``source(table, rows[0].keys())`` for ``rows`` (every row the same keys)."""
    params: dict[str, list[Any]] = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        if isinstance(table.c[name].type, JSON):
            values = [None if v is None else json.dumps(v) for v in values]
        params[name] = values
    return params


def same_keys(rows: Sequence[dict[str, Any]]) -> bool:
    first = rows[0].keys()
    return all(row.keys() == first for row in rows)


def insert_many(connection: Connection, stmt: Insert, rows: Sequence[dict[str, Any]]) -> None:
    """Execute ``stmt`` (a plain INSERT of its table, nothing returned) for ``rows``: on PostgreSQL,
    two rows or more with the same keys, in one statement of arrays; otherwise as given (an
    executemany)."""
    table = stmt.table
    if (connection.dialect.name != "postgresql" or len(rows) < 2 or not isinstance(table, Table)
            or not same_keys(rows)):
        connection.execute(stmt, list(rows))
        return
    connection.execute(statement(table, list(rows[0])), arrays(table, rows))
