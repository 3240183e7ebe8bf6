"""Who is who and where, kept between transactions: chat id → person (with their home, its
building, grid and community), chat id → group (with its building, grid, community), household →
its linked member. A lone message then pays no look-up for them.

Never stale: ``begin`` reads the ledger's version (storage/ledger_version.py: moved in the same
transaction by every change of those tables, by this process or any other) once a transaction,
and forgets everything when it moved. What is kept was read or written by a transaction that
committed; a transaction that moved the version itself leaves its objects here under the old
version, so the next ``begin`` forgets them too.

What is kept is never attached to a session: slim records (a row's loaded columns as a tuple and
the chain person → home → building → grid → community, group → building, nothing else; one
record of each row, shared) of what a transaction loaded — half what ORM objects with their
state cost (2,000 people and 1,550 groups: ~7 MB instead of ~15). A transaction gets its
own objects made from them (detached, then ``Session.add``, no SQL), which it may
change like any loaded object. Each map is bounded (least recently used out first). Use from
one thread at a time (the inbox's lane).
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.session import make_transient_to_detached

from storage import ledger_version
from storage.models import Building, ChatRoom, Grid, Household, Person

T = TypeVar("T")
#: session.info key: the cache a transaction may use (storage/repo.py linked_member)
SESSION_KEY = "lianhu.ledger_cache"
#: a household with no linked member (kept too: its tickets go to the building's member)
NOBODY = object()


class _Lru(Generic[T]):
    """At most ``size`` keys, the least recently used out first: a plain dict in the order of
    use (a key used moves to the end): ~26 bytes a key against an OrderedDict's ~74."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[object, T] = {}

    def get(self, key: object) -> T | None:
        found = self.items.pop(key, None)
        if found is not None:
            self.items[key] = found
        return found

    def put(self, key: object, value: T) -> None:
        items = self.items
        items.pop(key, None)
        items[key] = value
        while len(items) > self.size:
            del items[next(iter(items))]

    def clear(self) -> None:
        self.items.clear()


class LedgerCache:
    #: entries kept in each map: the people and groups that talk most are found; a district's
    #: quiet ones are looked up when they speak (one query for a whole batch)
    SIZE = 2000

    def __init__(self, size: int = SIZE) -> None:
        self.people: _Lru[_Record] = _Lru(size)  # chat id → a Person's record
        self.rooms: _Lru[_Record] = _Lru(size)  # chat id → a ChatRoom's record
        self.members: _Lru[object] = _Lru(size)  # household id → a Person's record, or NOBODY
        self.version: int | None = None
        self._read_at: int | None = None  # the version the open transaction read
        self._pending_members: list[tuple[int, Person | None]] = []
        #: the one slim record of each row, by the row's class and then its primary key (``_ident``:
        #: not the identity key's tuples, ~110 bytes a record)
        self._slim: dict[object, dict[object, _Record]] = {}
        #: community id → the chat id of its staff group (the lowest id; only groups found: a new
        #: one, an insert, does not move the version, but never comes before one found)
        self.staff_rooms: dict[int, str] = {}
        self._pending_staff: list[tuple[int, str]] = []
        #: the open transaction's copies made by ``_copy``, with the record each was made of
        self._lent: dict[int, tuple[object, _Record]] = {}

    def begin(self, session: Session, version: int | None = None) -> None:
        """At the start of a transaction that will use the cache: read the version (one small
        statement; ``version``: read already, by the statement that stored the batch's messages
        just before); forget everything if it moved since what is kept was read."""
        if version is None:
            version = ledger_version.read(session)
        if version != self.version:
            self.people.clear()
            self.rooms.clear()
            self.members.clear()
            self._slim.clear()
            self.staff_rooms.clear()
            self.version = version
        self._read_at = version
        session.info[SESSION_KEY] = self

    def person(self, session: Session, chat_id: str) -> Person | None:
        return self._copy(session, self.people.get(chat_id))

    def room(self, session: Session, chat_id: str) -> ChatRoom | None:
        return self._copy(session, self.rooms.get(chat_id))

    def linked_member(self, session: Session, household_id: int) -> Person | None | object:
        """The household's linked member (a copy in ``session``), None if it has none, or
        ``MISSING`` when the cache does not know."""
        found = self.members.get(household_id)
        if found is None:
            return MISSING
        return None if found is NOBODY else self._alone(session, found)  # type: ignore[arg-type]

    def knows_member(self, household_id: int, person_id: int) -> bool:
        """Whether the household's linked member kept is person ``person_id`` (nothing made)."""
        found = self.members.items.get(household_id)
        return isinstance(found, _Record) and found.key[1] == (person_id,)

    def found_member(self, household_id: int, member: Person | None) -> None:
        """``repo.linked_member`` read it in the open transaction: kept once it commits."""
        if self._read_at is not None:
            self._pending_members.append((household_id, member))

    def staff_room(self, session: Session, community_id: int) -> str | None:
        """The chat id of the community's staff group if known, and the open transaction changed
        nothing of the ledger (its pending changes of the ledger flushed first, as a query would;
        other pending rows wait for the next flush); None: ask the database."""
        if session.autoflush and ledger_version.pending_here(session):
            session.flush()
        if ledger_version.changed_here(session):
            return None
        return self.staff_rooms.get(community_id)

    def found_staff_room(self, community_id: int, chat_id: str) -> None:
        """``repo.staff_room_chat_id`` read it in the open transaction: kept once it commits."""
        if self._read_at is not None:
            self._pending_staff.append((community_id, chat_id))

    def kept(self, people: Iterable[Person], rooms: Iterable[ChatRoom]) -> None:
        """After the transaction that began with ``begin`` committed: keep what it read (its
        committed state). Not called after a rollback (its objects are expired then)."""
        if self._read_at is None or self._read_at != self.version:
            self.ended()
            return
        if sum(map(len, self._slim.values())) > 4 * self.people.size:  # what the maps dropped still shared here
            self._slim.clear()
        for person in people:
            if person.chat_id and _clean(person):
                self.people.put(person.chat_id, self._again(person) or self._slim_copy(person))
        for room in rooms:
            if _clean(room):
                self.rooms.put(room.chat_id, self._again(room) or self._slim_copy(room))
        for household_id, member in self._pending_members:
            if member is None or _clean(member):
                self.members.put(household_id, NOBODY if member is None else self._slim_copy(member))
        self.staff_rooms.update(self._pending_staff)
        self.ended()

    def forget(self) -> None:
        self.version = None
        self.ended()

    def ended(self) -> None:
        """The transaction ended (committed and kept, or rolled back)."""
        self._read_at = None
        self._pending_members.clear()
        self._pending_staff.clear()
        self._lent.clear()

    def _again(self, obj: object) -> _Record | None:
        """The record ``obj`` was copied from, when keeping ``obj`` would make that record again:
        ``obj`` is this transaction's copy of it, unchanged (the caller checked), and nothing of
        its chain loaded a link its record lacks (``_adds_nothing``). A lone message's sender and
        group, kept from the last message, are kept again without being made again."""
        lent = self._lent.get(id(obj))
        if lent is None or lent[0] is not obj or not _adds_nothing(obj, lent[1], set()):
            return None
        return lent[1]

    def _slim_copy(self, obj: object) -> _Record:
        """The one slim record of ``obj``'s row: its loaded columns, and of its relationships only
        the chain in ``_CHAIN`` (where loaded); nobody changes it (``_copy`` and ``_alone`` make
        objects of it again)."""
        return self._slim_of(obj, set())

    def _slim_of(self, obj: object, done: set[object]) -> _Record:
        """``_slim_copy``; a record made before gets the links it lacks that ``obj`` has loaded
        (a building first kept before its 楼栋长 was read); ``done``: the rows seen so far."""
        state = instance_state(obj)
        key = state.key
        assert key is not None  # kept only when persistent (``_clean``)
        of_class = self._slim.get(key[0])
        if of_class is None:
            of_class = self._slim[key[0]] = {}
        ident = _ident(key)
        record = of_class.get(ident)
        if record is None:
            names, values = _columns(state)
            record = of_class[ident] = _Record(state.mapper.class_manager, ident, names, values)
        elif state.key in done:
            return record
        done.add(state.key)
        have = dict(zip(record.link_names, record.links))
        links: dict[str, _Record | None] = {}
        for name in _CHAIN.get(state.mapper.class_, ()):
            target = state.dict.get(name, _UNLOADED)
            if name in have and (target is None or target is _UNLOADED or have[name] is None):
                links[name] = have[name]
            elif target is None or (target is not _UNLOADED and _clean(target)):  # else read when used
                links[name] = None if target is None else self._slim_of(target, done)
        if links:
            record.link_names, record.links = _shared(tuple(links)), tuple(links.values())
        return record

    def _copy(self, session: Session, kept: _Record | None) -> Any:
        """``kept`` in ``session`` (with its chain): at the start of a transaction, when nothing
        in the session is changed yet that the copy could overwrite."""
        if kept is None:
            return None
        present = session.identity_map.get(kept.key)
        if present is not None:
            return present
        made: dict[int, Any] = {}
        copy = kept.build(made, session.identity_map)  # rows the session holds are its own
        _attach(session, made.values())
        self._lent[id(copy)] = (copy, kept)
        return copy

    def _alone(self, session: Session, kept: _Record) -> Person:
        """``kept`` in ``session`` mid-transaction: the session's own object if it has one (it
        may hold changes not committed yet), else a copy of its columns alone (nothing it refers
        to is copied over what the session holds); what it refers to is read when used."""
        present = session.identity_map.get(kept.key)
        if present is not None:
            return present
        copy: Person = kept.columns_only()
        session.add(copy)
        return copy


class _Record:
    """A kept row: its class, identity (``ident``: its primary key's value, the identity key made
    again when asked — ``key``), loaded columns (names shared by rows alike, values) and its chain
    (relationship names, shared like the column names, and the record or None each refers to:
    two slots, not a pair, ~80 bytes less a record)."""
    __slots__ = ("manager", "ident", "names", "values", "link_names", "links")

    def __init__(self, manager: Any, ident: object, names: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self.manager, self.ident, self.names, self.values = manager, ident, names, values
        self.link_names: tuple[str, ...] = ()
        self.links: tuple[_Record | None, ...] = ()

    @property
    def key(self) -> Any:
        """The row's identity key, as its session's identity map knows it."""
        ident = self.ident
        if type(ident) is _FullKey:
            return ident.key
        return (self.manager.mapper._identity_class, (ident,), None)

    def columns_only(self) -> Any:
        """A detached object of the row with these columns and nothing else."""
        copy = self.manager.new_instance()
        copy.__dict__.update(zip(self.names, self.values))  # as a loader puts them: nothing to commit
        make_transient_to_detached(copy)  # what is not set is unloaded (read when used)
        return copy

    def build(self, made: dict[int, Any], held: Any = None) -> Any:
        """A detached object of the row with its chain (each row made once per call: ``made``);
        a row ``held`` (a session's identity map) already has is that object, not a copy."""
        found = made.get(id(self))
        if found is not None:
            return found
        if held is not None:
            found = held.get(self.key)
            if found is not None:
                made[id(self)] = found
                return found
        copy = made[id(self)] = self.manager.new_instance()
        values = copy.__dict__
        values.update(zip(self.names, self.values))  # as a loader puts them: nothing to commit
        for name, target in zip(self.link_names, self.links):
            values[name] = None if target is None else target.build(made, held)
        make_transient_to_detached(copy)  # what is not set is unloaded (read when used)
        return copy


class _FullKey:
    """An identity key ``_ident`` keeps whole (a primary key of several columns, a token)."""
    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _FullKey) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


def _ident(key: Any) -> object:
    """What ``_Record`` keeps of an identity key (class, primary key, token): the primary key's one
    value (the same object as its column's value), or the key whole when it has more."""
    if len(key[1]) == 1 and key[2] is None:
        return key[1][0]
    return _FullKey(key)


_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(names: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple for every row with the same names (a few kinds: each table's columns, chains)."""
    return _NAMES.setdefault(names, names)


#: strings this short in a kept row are kept as one object each however many rows hold them
#: (``sys.intern``): a household's unit and room ("1", "302"), a role, a kind, a given name — the
#: same few values over thousands of rows, each row's own string as read
SHORT = 8


def _columns(state: InstanceState[Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    loaded = state.dict
    keys = [attr.key for attr in state.mapper.column_attrs if attr.key in loaded]
    return _shared(tuple(keys)), tuple(_one(loaded[k]) for k in keys)


def _one(value: Any) -> Any:
    return sys.intern(value) if type(value) is str and len(value) <= SHORT else value


def _attach(session: Session, objects: Iterable[Any]) -> None:
    """Put objects ``build`` made (detached, with their identity) in ``session`` as loaded, no SQL
    (no merge's second copy): what ``session.add`` of the first would do, without its save-update
    cascade walking every relationship of each. The cascade would reach exactly these: ``build``
    sets no relationship but the chain, whose objects are all here or the session's own already."""
    for obj in objects:
        state = instance_state(obj)
        if state.session_id != session.hash_key:  # not one the session held already
            session._save_or_update_impl(state)


#: linked_member's answer when the cache does not know
MISSING = object()
_UNLOADED = object()
#: the relationships a slim copy keeps (many-to-one: what handling reads of a sender or a group,
#: and of their building's 楼栋长 and grid worker, to whom its tickets go)
_CHAIN: dict[type, tuple[str, ...]] = {
    Person: ("household", "community"),
    Household: ("building",),
    Building: ("grid", "default_member"),  # and who gets the building's tickets (choose_assignee)
    Grid: ("community", "worker"),
    ChatRoom: ("building", "community"),
}


def _adds_nothing(obj: object, record: _Record, seen: set[int]) -> bool:
    """Whether ``obj`` (made of ``record`` by ``build``) and the objects of its chain hold no link
    of ``_CHAIN`` their records lack, and where the records have a link, the object's is that
    record's row (or unloaded): then ``_slim_of`` would give ``record`` back as it is."""
    if id(record) in seen:
        return True
    seen.add(id(record))
    values = obj.__dict__
    have = dict(zip(record.link_names, record.links))
    for name in _CHAIN.get(record.manager.class_, ()):
        target = values.get(name, _UNLOADED)
        if target is _UNLOADED:
            continue
        if name not in have:
            return False  # loaded since: the record would get it
        kept = have[name]
        if target is None or kept is None:
            if target is not kept:
                return False
        elif instance_state(target).key != kept.key or not _adds_nothing(target, kept, seen):
            return False
    return True


def of(session: Session) -> LedgerCache | None:
    """The cache the session's transaction began with, if any."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, LedgerCache) else None


def _clean(obj: object) -> bool:
    """Persistent, unchanged (merge(load=False) needs it), every column loaded (a row just
    inserted has some unread: it is looked up again next time, then kept whole)."""
    state = instance_state(obj)
    if not (state.persistent or state.detached) or state.key is None or state.modified \
            or state.deleted or state.was_deleted or state.expired:
        return False
    loaded = state.dict
    return all(attr.key in loaded for attr in state.mapper.column_attrs)
