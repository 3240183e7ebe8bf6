"""The writer process of tests/test_ticket_ids.py, in a module of its own: a process started by
``spawn`` imports the module of its target, and this one imports neither the test module nor
tests/conftest.py (whose import makes the xdist worker's database)."""
from __future__ import annotations

import time
from typing import Any

from storage import db

ROUNDS, SIZE = 5, 7
#: what a writer reports: its tag, (ticket id, number, report text) of each ticket it opened, an error
Report = tuple[str, list[tuple[int, int, str]], str | None]


def open_tickets(url: str, tag: str, person_id: int, start: Any, out: Any) -> None:
    """In another process: ROUNDS transactions of SIZE new tickets each, as a batch of reports."""
    from domain.tickets import create_ticket
    from kernel.clock import Clock
    from kernel.config import Settings
    from storage import later
    from storage.models import Person
    from storage.outbox import Speaker

    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    clock, settings = Clock(), Settings()
    made: list[tuple[int, int, str]] = []
    start.wait(60)  # both processes ready: their batches run at the same time
    try:
        for round_ in range(ROUNDS):
            with sessions() as session:
                session.begin()
                later.hold(session)
                reporter = session.get(Person, person_id)
                say = Speaker(session, clock, held=[])
                for i in range(SIZE):
                    ticket = create_ticket(session, say, clock, settings, building=None, household=None,
                                           reporter=reporter, room_chat_id=None, text=f"{tag} {round_}-{i}",  # type: ignore[arg-type]
                                           category="repair", urgent=False)
                    made.append((ticket.id, ticket.number, ticket.text))
                    time.sleep(0.005)  # the other process waits for the number lock meanwhile
                later.write(session)
                session.commit()
        out.put((tag, made, None))
    except Exception as exc:  # the parent says what went wrong
        out.put((tag, made, repr(exc)))
    finally:
        engine.dispose()
