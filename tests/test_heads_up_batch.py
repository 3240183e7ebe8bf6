"""A batch's heads-ups (domain/headsups.py): on SQLite held with the id each will have and written
together at the batch's end (storage/later.py ``insert_numbered``), on PostgreSQL written one at a
time as before. Either way the member reads each one's number, and that number is its row."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from domain.classifier import Classification
from storage.models import HeadsUp, OutboxMessage, Ticket
from tests.conftest import Harness, texts_to
from tests.helpers import building_room_of, linked_member_of
from tests.test_ingest import while_held
from tests.test_lone_path import statements

UNSURE = ("楼下那个东西好像不太对劲,大家注意点", "三楼那边有股怪味,不知道是什么")


async def test_a_batchs_heads_ups_are_numbered_as_written_one_by_one(bot: Harness) -> None:
    """Two unsure messages around a report in one batch: the member is asked about 待确认 1 and 2,
    in that order, each with its own text, and answering 转工单 2 makes a ticket of the second's
    text (fails when a held heads-up's id is not the one its row gets). On SQLite both are written
    by one statement at the batch's end, after the batch's new ticket (a heads-up may refer to one)."""
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    inbox = bot.app.inbox
    real = inbox.classifier
    unsure = replace(Classification(category="none", urgent=False, evidence=(), score=0.0, tier="none"),
                     tier="unsure", category="repair")

    class Unsure:
        """The real classifier, but these two texts are unsure."""

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def classify(self, text: str, tokens: list[str] | None = None) -> Classification:
            return unsure if text.strip() in UNSURE else real.classify(text, tokens)

    gw = bot.gw
    inbox.classifier = Unsure()
    try:
        with statements(bot) as seen:
            await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                             [gw.inbound(UNSURE[0], sender="r01", room=room),
                              gw.inbound("电梯坏了,停在三楼不动了", sender="r02", room=room),
                              gw.inbound(UNSURE[1], sender="r01", room=room)])
    finally:
        inbox.classifier = real
    inserts = [i for i, s in enumerate(seen) if "INSERT INTO heads_up" in s]
    if bot.app.engine.dialect.name == "sqlite":
        assert len(inserts) == 1 and seen[inserts[0]].startswith("MANY "), [seen[i] for i in inserts]
        tickets = [i for i, s in enumerate(seen) if "INSERT INTO ticket " in s]
        assert tickets and tickets[-1] < inserts[0]
    else:
        assert len(inserts) == 2, [seen[i] for i in inserts]
    with bot.sessions() as s:
        rows = s.scalars(select(HeadsUp).order_by(HeadsUp.id)).all()
        assert [(h.id, h.text) for h in rows] == [(1, UNSURE[0]), (2, UNSURE[1])]
        assert s.scalars(select(Ticket.number)).all() == [1001]
        asked = [m.text for m in s.scalars(select(OutboxMessage).where(
            OutboxMessage.conversation == member.chat_id).order_by(OutboxMessage.id)) if "【待确认" in m.text]
    assert len(asked) == 2 and "【待确认 1】" in asked[0] and UNSURE[0] in asked[0], asked
    assert "【待确认 2】" in asked[1] and UNSURE[1] in asked[1], asked
    sent = await bot.say("转工单 2", sender=member.chat_id)
    assert any("工单 1002" in t for t in texts_to(sent, member.chat_id))
    with bot.sessions() as s:
        made = s.scalars(select(Ticket).where(Ticket.number == 1002)).one()
        assert made.text == UNSURE[1]
