"""办事指南's second opinion: the labelled questions as ways of asking (domain/guide_examples.py).
Hand-written questions through the test gateway: one asked in words no entry uses is answered
because residents asked like that before; one like the questions no entry answers is not
answered from a near entry; and `lianhu guide eval --holdout` lets a file's own lines teach
nothing about that file."""
from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest

from bot.cli.main import main as cli
from domain import guide
from storage.guide_files import DEMO_GUIDE, read_guide_file
from storage.models import GuideEntry
from tests.conftest import texts_to
from tests.helpers import building_room_of
from tests.test_guide import entry_id, ticket_count


async def test_a_question_asked_the_way_residents_ask_is_answered(bot) -> None:
    room = building_room_of(bot, "r01")
    # the entry's words (独生子女父母奖励与计生证明) barely hold it: the labelled questions do
    sent = await bot.say("我女婿单位要计生证明 社区给开吗", sender="r01", room=room)
    [answer] = texts_to(sent, room)
    assert answer.startswith(f"【办事指南 {entry_id(bot, 'only-child-reward')}】")
    assert ticket_count(bot) == 0


async def test_a_question_like_those_no_entry_answers_gets_no_answer_from_a_near_entry(bot) -> None:
    # retiring from work is no entry's (BM25 alone took it for 党组织关系转接)
    for n, text in enumerate(["退休手续怎么办", "孩子转学要带哪些材料"]):
        resident = f"r0{n + 1}"
        sent = await bot.say(text, sender=resident, room=building_room_of(bot, resident))
        assert sent and not any("办事指南" in m.text for m in sent), text


#: how residents asked for the 老年人乘车卡 before, in words no entry uses (hand-written)
ASKED_BEFORE = ("咱这旮旯老人坐车那个卡咋整", "俺们这旮旯老人坐车那卡咋整啊", "俺们那旮旯老人坐车的卡上哪整")


def test_the_labelled_questions_carry_a_phrasing_the_entries_do_not() -> None:
    entries = [GuideEntry(id=i, **f) for i, f in enumerate(read_guide_file(DEMO_GUIDE), 1)]
    senior = next(e.id for e in entries if e.key == "senior-card")
    text = "俺们这旮旯老人坐车那个卡咋整"
    alone = guide.Index.build(jieba.lcut, entries, [])
    assert guide.sure_match(alone, jieba.lcut, text) is None  # the entries' words alone: unsure, a ticket
    asked_before = [("senior-card", t) for t in ASKED_BEFORE]
    taught = guide.Index.build(jieba.lcut, entries, [*asked_before, ("no-such-entry", "这条不算数")])
    taught.linear = None  # the vote's own doing (the shipped model never learned these three lines)
    match = guide.sure_match(taught, jieba.lcut, text)
    assert match is not None and match.entry_id == senior


def test_holdout_teaches_each_file_with_the_other_files_lines_only(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("sklearn")  # --holdout also trains the learned gate
    def write(name: str, lines: list[dict[str, object]]) -> str:
        path = tmp_path / name
        path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
        return str(path)

    asked = {"text": "俺们这旮旯老人坐车那个卡咋整", "entry": "senior-card", "kind": "question"}
    teaching = [{"text": t, "entry": "senior-card", "kind": "question"} for t in ASKED_BEFORE]
    unrelated = [{"text": "今天天气真好", "entry": None, "kind": "chatter"},
                 {"text": "护照怎么办理", "entry": None, "kind": "question"}]

    def held_out_right(*files: str) -> int:
        assert cli(["--data-dir", str(tmp_path), "guide", "eval", "--holdout", *files, "--json"]) == 0
        rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        [row] = [r for r in rows if r["held_out"] == "a.jsonl" and r["how"] == "as shipped: + model of the others"]
        return int(row["right"])

    a = write("a.jsonl", [asked])
    assert held_out_right(a, write("b.jsonl", teaching)) == 1  # taught by the other file
    assert held_out_right(a, write("b.jsonl", unrelated)) == 0  # not by its own line
