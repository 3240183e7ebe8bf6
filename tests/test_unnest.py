"""Many rows of a table in one statement on PostgreSQL, the rows one JSON document (storage/unnest.py):
the same rows, in the same order, with the same ids as the executemany they replace, JSON and NULLs
included."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from storage import unnest
from storage.models import InboundMessage, OutboxMessage

_OUTBOX = OutboxMessage.__table__


def _rows(n: int) -> list[dict[str, object]]:
    at = datetime(2026, 11, 23, 10, 0)
    return [dict(conversation=f"room-{i % 3}", is_room=i % 2 == 0, text=f"第{i}条 \"引号\" \\ {{}}",
                 mentions=[f"r{i:02d}", "新人"] if i % 3 else [], urgent=i == 2,
                 attachment=None if i % 2 else f"data/attachments/{i}.jpg", not_before=at, created_at=at,
                 cause_id=None, batch=None if i % 4 else "notice-1") for i in range(n)]


def test_rows_written_as_arrays_read_back_as_given_in_order(session: Session) -> None:
    engine = session.get_bind()
    seen: list[tuple[str, bool]] = []
    listener = lambda conn, cur, stmt, params, ctx, many: seen.append((stmt, many))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        unnest.insert_many(session.connection(), insert(_OUTBOX), _rows(7))  # type: ignore[arg-type]
        unnest.insert_many(session.connection(), insert(_OUTBOX), _rows(1))  # type: ignore[arg-type]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    session.commit()
    inserts = [(stmt, many) for stmt, many in seen if stmt.startswith("INSERT INTO outbox_message")]
    if engine.dialect.name == "postgresql":  # one statement of one document, not one execution a row
        assert len(inserts) == 2 and "json_populate_recordset" in inserts[0][0] and not inserts[0][1]
    got = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    assert [o.id for o in got] == list(range(1, 9))
    keys = list(_rows(1)[0])
    assert [{k: getattr(o, k) for k in keys} for o in got] == _rows(7) + _rows(1)
    assert all(o.status == "pending" and o.attempts == 0 for o in got)  # the table's defaults


def test_a_batch_of_messages_is_stored_in_one_statement_and_marked_done_in_one(session: Session) -> None:
    """inbound.insert_new: new rows' ids by key, a row stored before left out (ON CONFLICT)."""
    from storage import inbound

    at = datetime(2026, 11, 23, 10, 0)
    row = dict(gateway="sim", room="room-1", room_name="1号楼", sender_id="r01", sender_name="张三",
               kind="text", text="电梯坏了", mentions=["bot"], mentions_bot=True, attachment=None,
               status="new", attempts=0, received_at=at)
    connection = session.connection()
    first = inbound.insert_new(connection, [{**row, "message_id": "m1"}, {**row, "message_id": "m2"}])
    again = inbound.insert_new(connection, [{**row, "message_id": "m2"}, {**row, "message_id": "m3", "mentions": []}])
    assert first.ids == {("sim", "m1"): 1, ("sim", "m2"): 2}
    m3 = again.ids[("sim", "m3")]  # on PostgreSQL the row left out took a value of the sequence too
    assert again.ids == {("sim", "m3"): 3 if session.get_bind().dialect.name == "sqlite" else 4}
    inbound.mark_done(session, [1, m3], at)
    session.commit()
    stored = session.execute(select(InboundMessage.id, InboundMessage.message_id, InboundMessage.mentions,
                                     InboundMessage.status, InboundMessage.attempts)
                             .order_by(InboundMessage.id)).all()
    assert [tuple(r) for r in stored] == [(1, "m1", ["bot"], "done", 1), (2, "m2", ["bot"], "new", 0),
                                          (m3, "m3", [], "done", 1)]


def test_rows_in_one_document_keep_every_character_microsecond_and_json_text(session: Session) -> None:
    """What the JSON document could change, it does not: control characters, characters beyond the
    BMP (🔴), quotes and backslashes, microseconds; a JSON column's stored text is the very text a
    row written alone has (PostgreSQL's ``json`` keeps it as sent); a row with a value the document
    does not carry plainly (an aware datetime) makes the rows go another way, with the same result."""
    from datetime import timezone

    from sqlalchemy import String, cast

    at = datetime(2026, 11, 23, 10, 0, 5, 123456)
    texts = ["🔴【险情提醒】\n第二行\t制表\x01", "引号\"和\\反斜杠\\n不是换行", "", "中文 · 全角,标点"]
    rows = [dict(conversation=f"room-{i}", is_room=True, text=t, mentions=["新人", f"r{i}", {"k": [1, 2]}],
                 urgent=False, attachment=None, not_before=at, created_at=at, cause_id=None, batch=None)
            for i, t in enumerate(texts)]
    alone = dict(rows[0], conversation="alone")
    connection = session.connection()
    unnest.insert_many(connection, insert(_OUTBOX), rows)  # type: ignore[arg-type]
    connection.execute(insert(_OUTBOX), alone)  # type: ignore[arg-type]
    aware = [dict(r, conversation=f"aware-{i}") for i, r in enumerate(rows[:2])]
    aware[1]["created_at"] = datetime(2026, 11, 23, 10, 0, 5, 123456, tzinfo=timezone.utc)
    if session.get_bind().dialect.name == "postgresql":
        assert unnest.parameters(_OUTBOX, aware) is None  # type: ignore[arg-type]
        assert unnest.parameters(_OUTBOX, rows) is not None  # type: ignore[arg-type]
    aware[1]["created_at"] = aware[1]["created_at"].replace(tzinfo=None)  # the same moment, naive
    unnest.insert_many(connection, insert(_OUTBOX), aware)  # type: ignore[arg-type]
    session.commit()
    got = session.execute(select(OutboxMessage.conversation, OutboxMessage.text, OutboxMessage.created_at,
                                 OutboxMessage.mentions, cast(OutboxMessage.mentions, String).label("json_text"))
                          .order_by(OutboxMessage.id)).all()
    assert [r[0] for r in got] == ["room-0", "room-1", "room-2", "room-3", "alone", "aware-0", "aware-1"]
    assert [r[1] for r in got[:4]] == texts
    assert all(r[2] == at for r in got)
    assert all(r[3] == ["新人", f"r{i}", {"k": [1, 2]}] for i, r in enumerate(got[:4]))
    assert {r[4] for r in got if r[0] in ("room-0", "alone")} == {got[4][4]}  # the same JSON text
