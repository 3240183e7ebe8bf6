"""Many rows of one table in one short statement on PostgreSQL: the rows as one JSON document.

An ``executemany`` of an INSERT on PostgreSQL (psycopg's pipeline) is still one execution a row:
each row's parameters dumped in Python and sent, each executed by the server on its own (~0.08 ms
a row of the bot's CPU beside the server's). A multi-VALUES INSERT (SQLAlchemy's insertmanyvalues)
is one statement, but a long one, different for every number of rows: psycopg splits it in Python
each time (too long for its cache) and the server plans it again. Here the rows go as one
parameter, a JSON array of objects (made by the json module's C encoder), and the statement is
always the same, short, prepared once:

    INSERT INTO t (a, b, …) SELECT r.a, r.b, … FROM json_populate_recordset(NULL::t, :rows) AS r
        [ON CONFLICT …] [RETURNING …]

``json_populate_recordset`` turns each object into a row of the table's own type (each value read
by its column's type, as the text of a parameter would be; a JSON column's value kept as its JSON
text, exactly as ``json.dumps`` wrote it, which is what SQLAlchemy's JSON type sends for one value;
JSON null is NULL) and gives the rows in the order of the array, so they take their ids from the
sequence in that order, as the executemany's rows did. (The fourteenth round sent one array a
column, unnested: the same rows, but psycopg dumps arrays element by element in Python, ~40 µs a
row of 12 columns against ~15 µs.) A datetime goes as its ISO text (naive: a ``timestamp``); a
row holding anything else the JSON encoder does not write as the database would read it (an aware
datetime, a float, a Decimal, bytes …) is not written this way: ``parameters`` gives None and the
caller falls back to the executemany. Elsewhere (SQLite, one row) ``insert_many`` is the plain
executemany.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Select, Table, Text, bindparam, cast, func, insert, literal_column, select

#: (table, columns) → the statement (built once: building one costs about as much as running it)
_BUILT: dict[tuple[Table, tuple[str, ...]], Insert] = {}


def source(table: Table, columns: Sequence[str]) -> Select[Any]:
    """``SELECT r.a, r.b … FROM json_populate_recordset(NULL::table, :rows) AS r``: the rows of
    ``parameters``, for PostgreSQL."""
    rows = func.json_populate_recordset(
        literal_column(f'NULL::"{table.name}"'), cast(bindparam("rows", type_=Text), JSON)).table_valued(
            *columns).alias("r")
    return select(*(rows.c[name] for name in columns))


def statement(table: Table, columns: Sequence[str]) -> Insert:
    """``INSERT INTO table (columns) SELECT … FROM json_populate_recordset(…)`` (``source``), built once."""
    key = (table, tuple(columns))
    built = _BUILT.get(key)
    if built is None:
        built = _BUILT[key] = insert(table).from_select(list(columns), source(table, columns))
    return built


class _NotPlain(TypeError):
    """A value the JSON document would not carry as the database reads it."""


def _plain(value: object) -> str:
    """The JSON encoder's hook for what it cannot write itself: a naive datetime or a date as its
    ISO text (what PostgreSQL reads back as the same value); anything else is not plain."""
    if type(value) is datetime and value.tzinfo is None or type(value) is date:
        return value.isoformat()
    raise _NotPlain(type(value).__name__)


def parameters(table: Table, rows: Sequence[dict[str, Any]]) -> dict[str, str] | None:
    """The parameter of ``source(table, rows[0].keys())`` for ``rows`` (every row the same keys), or
    None when a value is not plain (the caller then writes the rows another way)."""
    json_columns = _json_columns(table)
    for row in rows:
        for name, value in row.items():
            if type(value) is float or (name not in json_columns and isinstance(value, (list, dict, tuple))):
                return None  # a float's text read by a REAL column could round otherwise; arrays
    try:
        return {"rows": json.dumps(rows, default=_plain, allow_nan=False)}
    except (_NotPlain, ValueError, TypeError):
        return None


#: table → the names of its JSON columns
_JSON_COLUMNS: dict[Table, frozenset[str]] = {}


def _json_columns(table: Table) -> frozenset[str]:
    found = _JSON_COLUMNS.get(table)
    if found is None:
        found = _JSON_COLUMNS[table] = frozenset(c.key for c in table.columns if isinstance(c.type, JSON))
    return found


def same_keys(rows: Sequence[dict[str, Any]]) -> bool:
    first = rows[0].keys()
    return all(row.keys() == first for row in rows)


def insert_many(connection: Connection, stmt: Insert, rows: Sequence[dict[str, Any]]) -> None:
    """Execute ``stmt`` (a plain INSERT of its table, nothing returned) for ``rows``: on PostgreSQL,
    two rows or more with the same keys and plain values, in one statement of a JSON document;
    otherwise as given (an executemany)."""
    table = stmt.table
    params = None
    if (connection.dialect.name == "postgresql" and len(rows) > 1 and isinstance(table, Table)
            and same_keys(rows)):
        params = parameters(table, rows)
    if params is None:
        # ``inline``: nothing read back — not even the new key SQLAlchemy fetches for one row
        # (RETURNING id), which no caller wants and a pipelined execution has no answer for yet
        connection.execute(_inline(stmt), list(rows))
        return
    assert isinstance(table, Table)
    connection.execute(statement(table, list(rows[0])), params)


#: statement → its ``inline()`` twin (built once: a statement object is also what storage/later.py
#: caches its tables by)
_INLINE: dict[Insert, Insert] = {}


def _inline(stmt: Insert) -> Insert:
    found = _INLINE.get(stmt)
    if found is None:
        found = _INLINE[stmt] = stmt.inline()
    return found
