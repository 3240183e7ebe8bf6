"""Many messages at once: handled together, in order within each conversation, none lost or
doubled when one of them fails, a redelivered id handled once."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from kernel import texts as T
from storage.models import InboundMessage, Ticket
from tests.conftest import texts_to
from tests.helpers import building_room_of

A_REPORTS = ["2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", "单元门禁坏了,刷卡没反应", "电梯坏了,停在三楼不动了"]
B_REPORTS = ["下水道堵了,污水往外冒", "楼道灯坏了,一楼到三楼都不亮", "暖气不热,屋里才十度,麻烦处理一下"]


@contextmanager
def held(bot) -> Iterator[tuple[threading.Event, threading.Event]]:  # type: ignore[no-untyped-def]
    """While a message saying "稍等" is classified, the bot waits until ``release`` is set
    (``entered`` tells the test it got there): what comes meanwhile waits its turn."""
    entered, release = threading.Event(), threading.Event()
    classifier = bot.app.classifier
    original = classifier.classify

    def classify(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "稍等" in text:
            entered.set()
            assert release.wait(30)
        return original(text, *args, **kwargs)

    classifier.classify = classify
    try:
        yield entered, release
    finally:
        release.set()
        del classifier.classify  # the class's own method again


async def while_held(bot, first, rest):  # type: ignore[no-untyped-def]
    """Hand over ``first`` (it says 稍等), then ``rest`` while it is being handled; returns what
    ``receive`` answered for each of ``rest``, once all are handled."""
    with held(bot) as (entered, release):
        head = asyncio.ensure_future(bot.app.receive(first))
        assert await asyncio.to_thread(entered.wait, 30)
        tasks = [asyncio.ensure_future(bot.app.receive(m)) for m in rest]
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in tasks)  # nothing overtakes the message in hand
        release.set()
        await head
        return await asyncio.gather(*tasks)


def commits(bot) -> list[int]:  # type: ignore[no-untyped-def]
    count = [0]
    event.listen(bot.app.engine, "commit", lambda *_: count.__setitem__(0, count[0] + 1))
    return count


async def test_two_conversations_are_handled_together_each_in_its_own_order(bot) -> None:
    room_a, room_b = building_room_of(bot, "r01"), building_room_of(bot, "r07")
    assert room_a != room_b
    gw = bot.gw
    first = gw.inbound("稍等,我看看", sender="r02", room=room_a)
    rest = []
    for a, b in zip(A_REPORTS, B_REPORTS):  # interleaved, as two busy groups would be
        rest += [gw.inbound(a, sender="r01", room=room_a), gw.inbound(b, sender="r07", room=room_b)]
    gw.online = False  # the outbox waits: what is counted is the handling
    count = commits(bot)
    ids = await while_held(bot, first, rest)
    assert all(i is not None for i in ids)
    # the six messages behind the one in hand were stored in one commit and handled in another
    assert count[0] == 2 + 2
    gw.online = True
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        numbers = {t.text: t.number for t in s.scalars(select(Ticket))}
    assert [numbers[t] for t in A_REPORTS] == sorted(numbers[t] for t in A_REPORTS)
    assert [numbers[t] for t in B_REPORTS] == sorted(numbers[t] for t in B_REPORTS)
    # each group hears its receipts in the order its residents wrote
    for room, reports in ((room_a, A_REPORTS), (room_b, B_REPORTS)):
        heard = [int(text.split("工单号 ")[1][:4]) for text in texts_to(gw.sent, room) if "工单号" in text]
        assert heard == [numbers[t] for t in reports]


async def test_one_failing_message_in_a_batch_loses_and_doubles_none_of_the_others(bot, monkeypatch) -> None:
    import handlers.residents as residents

    room = building_room_of(bot, "r01")
    create = residents.wf.create_ticket

    def breaks_on_lifts(*args, **kwargs):  # type: ignore[no-untyped-def]
        if "电梯" in kwargs["text"]:
            raise RuntimeError("disk on fire")
        return create(*args, **kwargs)

    monkeypatch.setattr(residents.wf, "create_ticket", breaks_on_lifts)
    gw = bot.gw
    senders = ["r01", "r02", "r03", "r04"]
    texts = [A_REPORTS[0], "电梯坏了,停在三楼不动了", B_REPORTS[0], "下雨了,大家收衣服"]
    rest = [gw.inbound(t, sender=s, room=room) for t, s in zip(texts, senders)]
    ids = await while_held(bot, gw.inbound("稍等", sender="r05", room=room), rest)
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        assert sorted(t.text for t in s.scalars(select(Ticket))) == sorted([A_REPORTS[0], B_REPORTS[0]])
        rows = {r.id: r for r in s.scalars(select(InboundMessage))}
        assert [rows[i].status for i in ids] == ["done", "failed", "done", "done"]
        assert [rows[i].attempts for i in ids] == [1, 1, 1, 1]
    heard = texts_to(gw.sent, room)
    assert heard.count(T.HANDLING_FAILED) == 1
    assert len([t for t in heard if "工单号" in t]) == 2  # one receipt each, none twice
    monkeypatch.undo()
    assert await bot.app.replay_unfinished() == 1  # the failed one is tried again on the next start
    with bot.sessions() as s:
        assert len(s.scalars(select(Ticket)).all()) == 3


async def test_a_message_id_given_twice_in_one_batch_and_again_later_is_handled_once(bot) -> None:
    room = building_room_of(bot, "r01")
    gw = bot.gw
    report = gw.inbound(A_REPORTS[0], sender="r01", room=room, message_id="wx-1")
    ids = await while_held(bot, gw.inbound("稍等", sender="r02", room=room), [report, report])
    assert ids[0] is not None and ids[1] is None
    assert await bot.app.receive(report) is None  # redelivered later
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        assert len(s.scalars(select(Ticket)).all()) == 1
    assert len([t for t in texts_to(gw.sent, room) if "工单号" in t]) == 1
