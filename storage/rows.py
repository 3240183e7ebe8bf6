"""New rows written with one Core ``INSERT … RETURNING id`` and put in the session as if loaded.

The ORM's unit of work costs several times a plain insert for a row nobody changes again in the
transaction (a ticket, a heads-up): ``Inserter`` writes the row whole (every column, its plain
default when not given), then puts an object of it in the session as a query's loader would:
every column set, nothing to write, its many-to-one links (``links``) already in place, anything
else read when first used. A later query of the same transaction finds that very object.
"""
from __future__ import annotations

from typing import Any, Generic, TypeVar

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Table, bindparam, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, manager_of_class
from sqlalchemy.orm.util import identity_key

from storage import later

M = TypeVar("M")


class Inserter(Generic[M]):
    """``inserter(session, values, **links)``: the new row of ``model`` as a loaded object.
    ``links``: relationship name → its foreign-key column, for the links given as objects."""

    def __init__(self, model: type[M], links: dict[str, str], held: bool = False,
                 held_on: frozenset[str] | None = None) -> None:
        table: Table = model.__table__  # type: ignore[attr-defined]
        self.model = model
        self.links = links
        self.statement = insert(table).returning(table.c.id)
        #: ``held``: in a batch that holds rows (SQLite, PostgreSQL), the row is held with the id it will have
        #: and written with the batch's others of the table (storage/later.py ``insert_numbered``)
        self.held = insert(table) if held else None
        #: the databases (dialect names) it is held on; None: every one ``insert_numbered`` numbers
        self.held_on = held_on
        #: every column but the id with its plain default: the row is known whole, never read back
        #: (a column with a computed, callable or server default is left to the database and
        #: read when first used)
        self.columns = {c.key: getattr(c.default, "arg", None) for c in table.columns
                        if not c.primary_key and c.server_default is None
                        and (c.default is None or c.default.is_scalar)}

    def __call__(self, session: Session, values: dict[str, Any], **links: Any) -> M:
        if any(obj is not None and obj.id is None for obj in links.values()):
            session.flush()  # a newcomer or a group made in this transaction: their ids first
        row = {**self.columns, **values}
        for name, column in self.links.items():
            row[column] = links[name].id if links.get(name) is not None else None
        new_id = later.insert_numbered(session, self.held, row, self.held_on) if self.held is not None else None
        if new_id is None:
            new_id = session.connection().execute(self.statement, row).scalar_one()
        return loaded(session, self.model, {"id": new_id, **row}, **links)


def loaded(session: Session, model: type[M], row: dict[str, Any], **links: Any) -> M:
    """The object of a row just read or written, as the session would have loaded it: the
    session's own object when it has one (its changes kept), else a new one with every column of
    ``row`` set, nothing to write, its relations loaded when first read (``links``: known)."""
    known = session.identity_map.get(identity_key(model, row["id"]))
    if known is not None:
        return known
    # the values put in place as a query's loader does (no attribute events, no history to clear)
    obj = manager_of_class(model).new_instance()
    obj.__dict__.update(row)
    obj.__dict__.update(links)
    make_transient_to_detached(obj)  # as if loaded: nothing to write, what is unset read when used
    attach(session, obj, links.values())
    return obj


def attach(session: Session, obj: Any, links: Iterable[Any]) -> None:
    """Put ``obj`` (detached, with its identity) in ``session`` as ``session.add`` does. When every
    object it refers to (``links``: the only relationships set on it) is None or the session's
    own, ``add``'s save-update cascade would add nothing: it is not walked (on a ticket it visits
    every relationship of the ticket and of each of those objects: ~a third of making it)."""
    key = session.hash_key
    if all(link is None or instance_state(link).session_id == key for link in links):
        session._save_or_update_impl(instance_state(obj))  # the step add and its cascade take
    else:
        session.add(obj)


def one_of(column: ColumnElement[Any], values: Iterable[Any], name: str) -> ColumnElement[bool]:
    """``column IN (?, ?, …)`` of a constant list, one bound parameter a value (``name``_0, _1 …,
    their values set here): compiled once with the statement and cached as it is. ``in_`` of a
    list makes an expanding parameter instead, rendered again into the SQL at every execution
    (a quarter of a small SELECT's time in SQLAlchemy on a hot path)."""
    return column.in_([bindparam(f"{name}_{i}", value, type_=column.type, literal_execute=False)
                       for i, value in enumerate(values)])


def present(session: Session, model: type[Any], links: dict[str, str], row: dict[str, Any]) -> dict[str, Any]:
    """Of the many-to-one ``links`` (relationship name → its foreign-key column) of a ``model`` row,
    those whose object the session holds, loaded and alive (or None: no key): what the lazy load of
    each would find there without SQL. The others are left to be read when used."""
    found: dict[str, Any] = {}
    relationships = manager_of_class(model).mapper.relationships
    for name, column in links.items():
        value = row[column]
        if value is None:
            found[name] = None
            continue
        obj = session.identity_map.get(identity_key(relationships[name].mapper.class_, value))
        if obj is not None:
            state = instance_state(obj)
            if not (state.expired or state.expired_attributes or state._deleted or state.was_deleted):
                found[name] = obj
    return found
