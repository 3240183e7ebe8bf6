"""Which category a request gets (domain/classifier/category.py, LABELS.md "Category: which
voice decides"), the hand-written category-only training lines, and the leave-one-batch-out
measure. Every message here was written for its kind, not copied from a labelled set."""
from __future__ import annotations

import json

import pytest

from domain.classifier import Classifier, training
from domain.classifier.category import JOINS


@pytest.fixture(scope="module")
def clf():
    return Classifier()


@pytest.mark.parametrize("text,category", [
    ("三楼楼道灯不亮了好几天 另外门口的垃圾两天没人收", "repair"),
    ("门口的垃圾两天没人收了 另外三楼楼道灯也不亮了", "sanitation"),
    ("想问下居住证到期了怎么续 顺便说一下单元门禁坏了", "policy"),
    ("楼上每天半夜拖椅子 吵得睡不着 再就是楼下的路灯也不亮", "dispute"),
])
def test_two_problems_in_one_message_take_the_first(clf, text, category):
    r = clf.classify(text)
    assert r.tier == "sure" and r.category == category, r


def test_a_later_danger_now_decides_and_alerts(clf):
    r = clf.classify("楼下垃圾桶满了没人收 还有个事 刚才有人在拧我家门把手 拧了好几下 我一个人在家不敢出声")
    assert r.category == "safety" and r.alert, r
    r = clf.classify("草坪好久没修剪了 还有件事 楼道里一股很浓的煤气味 越来越重")
    assert r.category == "utilities" and r.alert, r


@pytest.mark.parametrize("text", ["楼道里还有人在给电动车充电 线从窗户拉下来", "地库还有好几辆车把消防通道堵了"])
def test_a_plain_huanyou_inside_a_sentence_joins_nothing(clf, text):
    assert JOINS.search(clf.normalize(text)) is None
    assert clf.classify(text).category == "safety"


@pytest.mark.parametrize("text,category", [
    ("租房的小李刚在群里说不想活了 跟房东吵完架就联系不上了", "care"),
    ("对门的独居阿姨两天没开门了 敲门也没人应 电话也不接", "care"),
    ("卧室吊灯的灯罩里积满了水 一直往下滴 开关一碰手就麻", "utilities"),
    ("楼上邻居家门缝里有股煤气味 敲门没人开", "utilities"),
])
def test_danger_kinds_with_one_owner_decide_the_category(clf, text, category):
    r = clf.classify(text)
    assert r.alert and r.category == category, r
    assert f"category:danger={category}" in r.evidence  # staff read why


def test_category_only_lines_teach_the_category_not_the_request():
    lines = [json.loads(s) for s in (training.CATEGORY_ONLY / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 150 and all(d["category"] != "none" for d in lines)
    assert training.CATEGORY_ONLY / "pairs.jsonl" in training.default_files()
    examples = training.load_jsonl(training.CATEGORY_ONLY / "pairs.jsonl")
    assert all(e.get("category_only") for e in examples)
    pytest.importorskip("sklearn")  # training needs the learn extra (scripts/test installs it)
    plain = [{"text": t, "category": c, "urgent": "困" in t, "source": "a"} for t, c in (
        ("楼道灯坏了", "repair"), ("电梯里困了人", "repair"), ("电梯困人了", "repair"), ("垃圾没人收", "sanitation"),
        ("垃圾堆在楼下", "sanitation"), ("垃圾桶满了", "sanitation"), ("今天天气好", "none"), ("大家早上好", "none"),
        ("吃了吗", "none"), ("谢谢师傅", "none"))]
    model = training.train(plain + examples[:20], tiers={"sure": 0.9, "unsure": 0.1, "urgent": 0.5})
    # the category model saw the hand-written lines; the request model only the ten plain ones
    assert model["about"]["category_only"] == 20 and model["about"]["requests"] == 6
    assert set(model["categories"]) > {"repair", "sanitation"}


def test_the_holdout_never_trains_on_the_batch_it_judges(tmp_path):
    pytest.importorskip("sklearn")  # training needs the learn extra (scripts/test installs it)
    from domain.classifier import holdout

    a = tmp_path / "a.jsonl"
    b = tmp_path / "b.jsonl"
    rows = [("楼道灯坏了 麻烦修一下", "repair"), ("电梯坏了 困在一楼了", "repair"), ("三号电梯困人了 快来", "repair"), ("垃圾没人收 臭死了", "sanitation"),
            ("楼下垃圾堆成山了", "sanitation"), ("独居的张奶奶没人照顾 社区能来看看吗", "care"),
            ("隔壁老人生病了没人管 能不能帮帮他", "care"), ("今天天气真好", "none"), ("大家早上好", "none")]
    for path in (a, b):
        path.write_text("".join(json.dumps({"text": t, "category": c, "urgent": "困" in t}, ensure_ascii=False) + "\n"
                                for t, c in rows), encoding="utf-8")
    result = holdout.run([a, b], ["b.jsonl"])
    assert result["b.jsonl"]["trained_on"] == ["a.jsonl"] and result["b.jsonl"]["examples"] == 9
    m = result["b.jsonl"]["modes"]["combined"]
    assert m["requests"] == 7 and m["chatter"] == 2
    with pytest.raises(ValueError):
        holdout.run([a], ["b.jsonl"])


def test_learn_holdout_names_a_file_it_does_not_know(capsys):
    from bot.cli.main import main

    assert main(["learn", "--holdout", "b99.jsonl"]) == 2
    err = capsys.readouterr().err
    assert "b99.jsonl" in err and "不在标注文件中" in err
