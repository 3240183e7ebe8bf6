"""The guide's linear model (domain/guide_linear.py): questions BM25 and the vote leave open, asked
with words the labelled questions taught it, are answered; what is no guide question still is not."""
from __future__ import annotations

from pathlib import Path

import pytest

from domain.guide_linear import DEFAULT_LINEAR, Linear, convert, default_linear, features, packed
from tests.conftest import texts_to
from tests.helpers import building_room_of
from tests.test_guide import entry_id, ticket_count


async def test_a_question_in_words_only_the_labelled_questions_knew_is_answered(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("租了个房子 要去社区登记吗", sender="r01", room=room)
    [answer] = texts_to(sent, room)
    assert answer.startswith(f"【办事指南 {entry_id(bot, 'rental-registration')}】")
    assert ticket_count(bot) == 0


async def test_a_neighbour_problem_asked_as_a_question_is_still_no_guide_answer(bot) -> None:
    for sender, text in [("r02", "隔壁家的狗天天半夜叫 能不能管管"), ("r03", "小区里能养鸡吗")]:
        sent = await bot.say(text, sender=sender, room=building_room_of(bot, sender))
        assert not any("办事指南" in m.text for m in sent), text


def test_the_shipped_model_reads_the_same_after_packing_and_without_a_file_there_is_none(tmp_path: Path) -> None:
    model = packed(["a", None, "b"], [0.0, 0.5, 0.0], ["w狗", "c狗证", "w医保"],
                   [[(0, 2.0)], [(0, 1.0), (2, -1.0)], [(2, 3.0)]])
    again = Linear.from_json(model.to_json())
    dog = features(["狗"], "狗证")
    assert model.read(dog).label == again.read(dog).label == "a"
    assert again.read(features(["医保"], "医保")).label == "b"
    assert again.read(features(["天气"], "天气")).label is None  # nothing it knows: the bias decides
    assert default_linear(tmp_path / "missing.json") is None
    shipped = default_linear()
    assert shipped is not None and shipped.read(features(["居住证"], "居住证怎么办")).label == "residence-permit"


def test_the_model_file_the_fit_writes_is_the_one_the_bot_reads_weight_for_weight(tmp_path: Path) -> None:
    model = packed(["a", None, "b"], [0.0, 0.5, 0.1], ["w狗", "c狗证", "w医保"],
                   [[(0, 2.0)], [(0, 1.0), (2, -1.0)], [(2, 3.25)]], {"trained_on": ["q.jsonl"]})
    model.save(tmp_path / "m.bin")  # what `lianhu guide fit --out` writes
    model.save(tmp_path / "m.json")  # the readable form, still read
    for name in ("m.bin", "m.json"):
        again = default_linear(tmp_path / name)
        assert again is not None
        assert (again.labels, again.bias, again.about) == (model.labels, model.bias, model.about)
        for part in ("keys", "offsets", "classes", "weights"):
            assert getattr(again, part) == getattr(model, part), (name, part)
        assert again.read(features(["狗"], "狗证")) == model.read(features(["狗"], "狗证"))
    assert convert(tmp_path / "m.json", tmp_path / "c.bin").weights == model.weights
    assert (tmp_path / "c.bin").read_bytes() == (tmp_path / "m.bin").read_bytes()
    assert DEFAULT_LINEAR.name == "guide_linear.bin" and DEFAULT_LINEAR.exists()


@pytest.mark.parametrize("damage", ["cut", "longer", "not a model"])
def test_a_damaged_model_file_is_no_model_not_a_crash(tmp_path: Path, damage: str) -> None:
    model = packed(["a", None], [0.0, 0.5], ["w狗"], [[(0, 2.0)]])
    data = model.to_bytes()
    data = {"cut": data[:-3], "longer": data + b"\0", "not a model": b"{}" + data}[damage]
    (tmp_path / "m.bin").write_bytes(data)
    assert default_linear(tmp_path / "m.bin") is None  # BM25 and the vote decide, as without a file
