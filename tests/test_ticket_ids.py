"""Two processes (one per WeChat account) open tickets on one PostgreSQL at the same time, each a
batch of several in one transaction (bot/inbox.py): the batch's new tickets are held and take
their ids from the shared sequence a block at a time (storage/later.py) and their numbers under
the ticket-number lock (storage/repo.py). No id or number is given twice, and every number a
receipt names is the ticket of that very report."""
from __future__ import annotations

import multiprocessing
import queue
from typing import Any

import pytest
from sqlalchemy import select

from storage import db
from tests.conftest import BACKENDS
from tests.ticket_writer import ROUNDS, SIZE, Report, open_tickets


def _result(out: Any, workers: list[Any]) -> Report:
    """The next worker's report; a worker that died without one fails the test at once (its
    traceback is in the captured output), not after the whole timeout."""
    for _ in range(240):
        try:
            return out.get(timeout=0.5)
        except queue.Empty:
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not dead, f"a writer process died (exit codes {dead})"
    raise AssertionError("the writer processes gave no report in 120 s")


# several processes write at once on PostgreSQL only: the test runs where the suite has one
@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b != "sqlite"], indirect=True)
def test_two_processes_batches_at_once_never_share_a_ticket_id_or_number(db_url: str) -> None:
    from kernel.clock import Clock
    from storage.demo import load_demo
    from storage.models import Person, Ticket, TicketEvent, TicketReporter

    engine = db.make_engine(db_url)
    with db.session_factory(engine)() as session:
        load_demo(session, Clock())
        session.commit()
        people = session.scalars(select(Person.id).order_by(Person.id)).all()[:2]
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(2), context.Queue()
    workers = [context.Process(target=open_tickets, args=(db_url, tag, person, start, out))
               for tag, person in zip(("甲", "乙"), people)]
    for worker in workers:
        worker.start()
    results = [_result(out, workers) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert [error for _, _, error in results] == [None, None]
    seen = [row for _, made, _ in results for row in made]
    assert len(seen) == 2 * ROUNDS * SIZE
    # what each process was told (the receipt's number) is the ticket with that report's text
    with db.session_factory(engine)() as session:
        stored = {number: (id_, text) for id_, number, text in session.execute(
            select(Ticket.id, Ticket.number, Ticket.text))}
        reporters = session.execute(select(TicketReporter.ticket_id, TicketReporter.text)).all()
        events = session.execute(select(TicketEvent.ticket_id)).scalars().all()
    assert {number: (id_, text) for id_, number, text in seen} == stored
    n = len(seen)
    assert sorted(stored) == list(range(1001, 1001 + n))  # no number twice, none skipped
    assert sorted(id_ for id_, _ in stored.values()) == list(range(1, n + 1))  # ids: none twice, none lost
    by_id = {id_: text for id_, text in stored.values()}
    assert sorted(reporters) == sorted((id_, text) for id_, text in by_id.items())  # its own report
    assert sorted(set(events)) == sorted(by_id)
    # the two processes' batches did interleave: both opened tickets among the other's numbers
    order = [text[0] for _, text in sorted((number, text) for number, (_, text) in stored.items())]
    assert sum(1 for a, b in zip(order, order[1:]) if a != b) >= 2
    engine.dispose()
