"""The schema: migrations that match the models on both databases, and the demo community."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from kernel.clock import Clock
from storage import db
from storage.demo import load_demo
from storage.models import (
    Base,
    Building,
    ChatRoom,
    Colour,
    Household,
    MemberLink,
    Person,
    Role,
    RoomKind,
)

#: tables other libraries own in the same database
FOREIGN_TABLES = {"apscheduler_jobs"}


def test_migrations_create_exactly_the_models(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name in FOREIGN_TABLES)
            and not (d[0] == "remove_index" and d[1].table.name in FOREIGN_TABLES)]
    assert diff == []
    assert db.current_revision(engine) is not None
    engine.dispose()


def test_the_demo_community_has_what_the_quick_start_promises(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with db.session_factory(engine)() as s:
        load_demo(s, Clock())
        s.commit()
        assert s.scalar(select(func.count(Building.id))) == 4
        assert s.scalar(select(func.count(Household.id))) >= 120
        colours = set(s.scalars(select(Household.colour)))
        assert colours == set(Colour.ALL)
        members = s.scalars(select(Person).where(Person.role == Role.MEMBER)).all()
        assert len(members) >= 10
        for m in members:
            links = s.scalar(select(func.count(MemberLink.id)).where(MemberLink.member_id == m.id))
            assert 5 <= links <= 15, (m.name, links)
        assert s.scalar(select(func.count(Person.id)).where(Person.role == Role.GRID_WORKER)) == 2
        assert s.scalar(select(func.count(Person.id)).where(Person.role == Role.STAFF)) == 2
        rooms = s.scalars(select(ChatRoom)).all()
        assert sum(r.kind == RoomKind.BUILDING for r in rooms) == 4
        assert sum(r.kind == RoomKind.STAFF for r in rooms) == 1
    engine.dispose()
