"""Objects made from rows (storage/rows.py): put in the session as ``add`` would, and given the
many-to-one links the session holds, exactly those a lazy load would find there."""
from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from domain.open_tickets import LINKS
from kernel.clock import Clock
from storage import rows
from storage.demo import load_demo
from storage.models import Building, Person, Ticket


def _a_ticket_row(session: Session) -> dict[str, object]:
    load_demo(session, Clock())
    building = session.scalars(select(Building).order_by(Building.id)).first()
    people = session.scalars(select(Person).order_by(Person.id)).all()
    assert building is not None and len(people) >= 2
    ticket = rows.Inserter(Ticket, LINKS)(session, dict(
        number=1001, community_id=building.grid.community_id, category="repair", status="assigned",
        text="电梯坏了", urgent=False, created_at=Clock().now()),
        building=building, household=None, assignee=people[0], reporter=people[1])
    session.commit()
    return {c.key: getattr(ticket, c.key) for c in Ticket.__table__.columns}


def _held_setup(session: Session) -> tuple[Building, Person, rows.Inserter, dict[str, object]]:
    """After ``_a_ticket_row``: the first building and person, an inserter of held tickets, and a
    new ticket's values (its number is the caller's)."""
    _a_ticket_row(session)
    building = session.scalars(select(Building).order_by(Building.id)).first()
    person = session.scalars(select(Person).order_by(Person.id)).first()
    assert building is not None and person is not None
    values: dict[str, object] = dict(community_id=building.grid.community_id, category="repair",
                                     status="assigned", text="灯坏了", urgent=False, created_at=Clock().now())
    return building, person, rows.Inserter(Ticket, LINKS, held=True), values


def test_a_row_whose_links_are_outside_the_session_brings_them_in_as_add_does(session: Session) -> None:
    row = _a_ticket_row(session)
    session.close()
    outside = session.get(Person, row["assignee_id"])
    assert outside is not None
    session.expunge(outside)  # detached: only add's cascade puts it back
    row = {**row, "id": 999_999}  # not in the identity map
    ticket = rows.loaded(session, Ticket, row, assignee=outside)
    assert ticket in session and outside in session
    assert ticket.assignee is outside


def test_only_links_the_session_holds_loaded_and_alive_are_given(session: Session) -> None:
    row = _a_ticket_row(session)
    session.close()
    assignee = session.get(Person, row["assignee_id"])
    reporter = session.get(Person, row["reporter_id"])
    building = session.get(Building, row["building_id"])
    assert assignee is not None and reporter is not None and building is not None
    session.expire(reporter)  # a lazy load would read it again: left to it
    found = rows.present(session, Ticket, LINKS, row)
    assert found == {"building": building, "household": None, "assignee": assignee}
    session.expunge(assignee)  # gone from the session: its lazy load would read it
    assert rows.present(session, Ticket, LINKS, row) == {"building": building, "household": None}


def test_a_ticket_made_from_its_row_reads_its_assignee_without_a_statement(session: Session) -> None:
    row = _a_ticket_row(session)
    session.close()
    assignee = session.get(Person, row["assignee_id"])
    seen: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        ticket = rows.loaded(session, Ticket, row, **rows.present(session, Ticket, LINKS, row))
        assert ticket.assignee is assignee and ticket.household is None
        assert seen == []
        assert ticket.reporter is not None and ticket.reporter.id == row["reporter_id"]  # read when used
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_tickets_held_by_a_batch_are_written_before_a_statement_that_needs_them(session: Session) -> None:
    """``later.insert_numbered``: a held ticket has the id the database would give it (SQLite: the
    largest + 1; PostgreSQL: the sequence's next, reserved); a Core read of the table, or a row
    referring to it, finds it written; someone else's new ticket gets an id of its own (SQLite:
    the batch counts on from the table again; PostgreSQL: the sequence's next after the
    reservation) — no id given twice; on PostgreSQL the reserved ids left over are not given
    back when someone took one after them (a later ticket would collide with theirs)."""
    from sqlalchemy import func, insert

    from storage import later
    from storage.models import TicketEvent

    building, person, make, values = _held_setup(session)
    engine = session.get_bind()
    sqlite = engine.dialect.name == "sqlite"
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    later.hold(session)
    try:
        first = make(session, {**values, "number": 1002}, building=building, assignee=person)
        assert first.id == 2
        assert not [s for s in seen if s.startswith("INSERT INTO ticket ")]  # held
        connection = session.connection()
        count = select(func.count()).select_from(Ticket.__table__)
        assert connection.execute(count).scalar() == 2  # written before the Core read
        second = make(session, {**values, "number": 1003}, building=building)
        connection.execute(insert(TicketEvent.__table__), {  # refers to it: written first
            "ticket_id": second.id, "kind": "created", "created_at": Clock().now()})
        connection.execute(insert(Ticket.__table__), {**values, "number": 1004})  # not the batch's
        third = make(session, {**values, "number": 1005}, building=building)
        later.write(session)
        session.commit()
    finally:
        later.release(session)
        event.remove(engine, "before_cursor_execute", listener)
    numbers = session.execute(select(Ticket.id, Ticket.number).order_by(Ticket.id)).all()
    if sqlite:
        assert [tuple(r) for r in numbers] == [(1, 1001), (2, 1002), (3, 1003), (4, 1004), (5, 1005)]
        assert (second.id, third.id) == (3, 5)
    else:  # 2–9 reserved by the batch; the other ticket took the sequence's next, 10
        assert [tuple(r) for r in numbers] == [(1, 1001), (2, 1002), (3, 1003), (4, 1005), (10, 1004)]
        assert (second.id, third.id) == (3, 4)
    # tickets inserted one by one afterwards get ids nobody has (none of 5–9 was given back)
    for number in range(1006, 1016):
        session.execute(insert(Ticket.__table__), {**values, "number": number})
    session.commit()
    ids = session.scalars(select(Ticket.id)).all()
    assert len(ids) == len(set(ids)) == 15


def test_a_batch_gives_back_the_ids_it_reserved_and_did_not_use(session: Session) -> None:
    """PostgreSQL: a batch reserves ticket ids from the sequence a block at a time; those it did
    not use are given back before it commits, so the tickets inserted next continue from its
    last one: the same ids as tickets inserted one by one (nothing to give back on SQLite)."""
    from sqlalchemy import insert

    from storage import later

    building, _, make, values = _held_setup(session)
    for batch, numbers in enumerate([range(1002, 1005), range(1005, 1016)]):  # 3 of 8; 11 of 8 + 16
        later.hold(session)
        try:
            made = [make(session, {**values, "number": n}, building=building) for n in numbers]
            session.commit()
        finally:
            later.release(session)
        assert [t.id for t in made] == [n - 1000 for n in numbers]
    session.execute(insert(Ticket.__table__), {**values, "number": 1016})  # one by one
    session.commit()
    assert session.execute(select(Ticket.id, Ticket.number).order_by(Ticket.id)).all() == [
        (n - 1000, n) for n in range(1001, 1017)]


def test_a_row_that_refers_to_no_held_ticket_does_not_write_them_and_one_that_does_does(session: Session) -> None:
    """A row of a table with a foreign key to the ticket table (a heads-up, a guide ask) whose key
    names no held ticket (NULL, or a ticket in the table) is inserted while the batch's new tickets
    stay held; a row naming a held one finds it written first (else the foreign key would fail:
    fails when the parameters are not looked at, or looked at wrongly)."""
    from sqlalchemy import insert

    from storage import later
    from storage.models import HeadsUp

    building, person, make, values = _held_setup(session)
    heads_up = dict(community_id=building.grid.community_id, building_id=building.id, reporter_id=person.id,
                    text="好像有点问题", category="repair", alert=False, status="open", created_at=Clock().now())
    engine = session.get_bind()
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    later.hold(session)
    try:
        held = make(session, {**values, "number": 1002}, building=building, assignee=person)
        connection = session.connection()
        connection.execute(insert(HeadsUp.__table__), {**heads_up, "ticket_id": None})
        connection.execute(insert(HeadsUp.__table__), {**heads_up, "ticket_id": 1})  # in the table
        assert not [s for s in seen if s.startswith("INSERT INTO ticket ")]  # still held
        connection.execute(insert(HeadsUp.__table__), [{**heads_up, "ticket_id": None},
                                                       {**heads_up, "ticket_id": held.id}])
        written = [i for i, s in enumerate(seen) if s.startswith("INSERT INTO ticket ")]
        last = max(i for i, s in enumerate(seen) if s.startswith("INSERT INTO heads_up"))
        assert len(written) == 1 and written[0] < last
        later.write(session)
        session.commit()
    finally:
        later.release(session)
        event.remove(engine, "before_cursor_execute", listener)
    assert session.scalars(select(HeadsUp.ticket_id).order_by(HeadsUp.id)).all() == [None, 1, None, 2]


def test_a_held_row_is_found_by_its_values_also_when_held_after_the_first_question(session: Session) -> None:
    """``later.holds`` (whether a report is held already: ``merge_into`` asks it at every join)
    answers from an index of the held rows made at the first question: a row held after it is
    found, one written is not held any more. Fails when the index is not kept by ``add`` or
    outlives the rows."""
    from datetime import datetime

    from domain.open_tickets import INSERT_REPORTER
    from storage import later

    later.hold(session)
    report = dict(room_chat_id=None, text="电梯坏了", created_at=datetime(2026, 11, 23, 2))
    assert not later.holds(session, INSERT_REPORTER, ticket_id=1, person_id=2)
    later.insert(session, INSERT_REPORTER, dict(report, ticket_id=1, person_id=2))
    assert later.holds(session, INSERT_REPORTER, ticket_id=1, person_id=2)
    assert not later.holds(session, INSERT_REPORTER, ticket_id=1, person_id=3)
    later.insert(session, INSERT_REPORTER, dict(report, ticket_id=1, person_id=3))
    assert later.holds(session, INSERT_REPORTER, ticket_id=1, person_id=3)
    assert not later.holds(session, INSERT_REPORTER, ticket_id=2, person_id=3)
    later.release(session)
    assert not later.holds(session, INSERT_REPORTER, ticket_id=1, person_id=2)
