"""The guide reads whether a message asks once (``guide_text.asks``) and passes it along
(``sure_match(asked=…)``): the same two answers as ``is_question`` and ``is_terse`` on every
labelled question and on the bench's chat, and the same entry chosen either way."""
from __future__ import annotations

import json
from pathlib import Path

from domain.guide_text import asks, is_question, is_terse
from tests.helpers import building_room_of

CHAT = ["收到", "好的 谢谢", "社区办公时间", "垃圾分类时间", "电梯又坏了 停在6楼不动 能不能派人来看看", "我的低保批下来没有",
        "做完义工好开心", "請問醫保在哪交", "居住证到期了怎么续签", "", "   ", "@物业 路灯坏了 晚上看不见路 谁来修一下"]


def _labelled() -> list[str]:
    out = list(CHAT)
    for path in sorted(Path("tests/data/guide").glob("*.jsonl")):
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def test_asks_is_is_question_and_is_terse() -> None:
    texts = _labelled()
    assert len(texts) > 5000
    pairs = [(asks(t), (is_question(t), is_terse(t))) for t in texts]
    assert [a for a, _ in pairs] == [b for _, b in pairs]
    assert {a for a, _ in pairs} >= {(True, False), (False, True), (False, False)}


async def test_questions_read_once_get_the_same_answers_in_the_group(bot) -> None:  # type: ignore[no-untyped-def]
    # a question, a terse topic (read as asking by ``asks``' second half), one's own case (not the guide's)
    room = building_room_of(bot, "r01")
    [answer] = await bot.say("居住证在哪里办,要什么材料", sender="r01", room=room)
    assert answer.text.startswith("【办事指南 ") and "居住证办理" in answer.text.splitlines()[0]
    [answer] = await bot.say("社区办公时间", sender="r01", room=room)
    assert answer.text.startswith("【办事指南 ") and "办公时间" in answer.text.splitlines()[0]
    sent = await bot.say("我的低保批下来没有", sender="r01", room=room)
    assert not any(m.text.startswith("【办事指南") for m in sent)
