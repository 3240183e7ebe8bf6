"""The learned lexicon that helps the rules choose a request's category."""
from __future__ import annotations

import json
from pathlib import Path

from bot.cli.classifier import main as classifier_cli
from domain.classifier.lexicon import Lexicon, features

TRAIN = [
    (["垃圾", "桶", "满", "了"], "sanitation"), (["垃圾", "没", "人", "收"], "sanitation"),
    (["楼道", "堆", "垃圾"], "sanitation"), (["电梯", "坏", "了"], "repair"),
    (["电梯", "不动"], "repair"), (["门禁", "坏", "了"], "repair"), (["你好"], "none"),
]


def test_learning_is_deterministic_and_leaves_chatter_out(tmp_path: Path) -> None:
    a, b = Lexicon.learn(TRAIN), Lexicon.learn(list(reversed(TRAIN)))
    a.save(tmp_path / "a.json")
    b.save(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == (tmp_path / "b.json").read_text(encoding="utf-8")
    assert a.docs == {"repair": 3, "sanitation": 3}
    assert "你好" not in a.counts  # none examples teach nothing here
    assert Lexicon.load(tmp_path / "a.json").counts == a.counts


def test_the_posterior_follows_the_words_seen_with_each_category() -> None:
    lex = Lexicon.learn(TRAIN)
    p = lex.posterior(["垃圾", "又", "满", "了"])
    assert p["sanitation"] > 0.8 and abs(sum(p.values()) - 1) < 1e-9
    assert lex.posterior(["电梯", "又", "坏", "了"])["repair"] > 0.8
    assert features(["电梯", "坏"]) >= {"电梯", "梯坏"}


def test_the_lexicon_decides_only_where_the_rules_are_unsure(classifier) -> None:  # type: ignore[no-untyped-def]
    # the rules know no topic word here (对讲机 is not a keyword): alone they say "other";
    # the lexicon has seen 单元门/按了没/开门 with repairs of entry doors
    c = classifier.classify("二单元门口的对讲机按了没声音 外卖快递都进不来 老人也没法开门")
    assert c.category == "repair" and any(e.startswith("lexicon:repair") for e in c.evidence)
    # a clear rule decision is never overridden, however sure the lexicon is
    c = classifier.classify("快递站旁边的充电宝柜子炸了 冒着火")
    assert c.category == "safety" and not any(e.startswith("lexicon:") for e in c.evidence)


def test_learn_command_writes_a_lexicon_the_classifier_loads(tmp_path: Path) -> None:
    data = tmp_path / "l.jsonl"
    data.write_text("\n".join(json.dumps({"text": t, "category": c, "urgent": False}, ensure_ascii=False)
                              for t, c in [("垃圾桶满了没人倒", "sanitation"), ("电梯坏了不动", "repair"),
                                           ("垃圾堆在楼道", "sanitation"), ("大家好", "none")]),
                    encoding="utf-8")
    out = tmp_path / "lex.json"
    assert classifier_cli(["learn", str(data), "--out", str(out), "--no-model", "--data-dir", str(tmp_path)]) == 0
    lex = Lexicon.load(out)
    assert lex is not None and lex.docs == {"repair": 1, "sanitation": 2}
    # nothing to learn from: a clear message, not a traceback
    assert classifier_cli(["learn", str(tmp_path / "missing.jsonl"), "--no-model"]) == 2
