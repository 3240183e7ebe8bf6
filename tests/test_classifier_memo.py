"""The classifier remembers the tokens and the answer of recent texts (domain/classifier/memo.py):
what residents and staff see must be what a classifier without the memo says, also right after
staff change a keyword, the rules file is read again or the model is swapped."""
from __future__ import annotations

from pathlib import Path

import pytest

from domain.classifier import Classifier
from domain.classifier.memo import Memo
from domain.classifier.rules import DEFAULT_RULES

TEXT = "小区的共享充电宝柜子被人砸了 能不能找人弄走"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("jieba-cache")


def _copy_rules(tmp_path: Path) -> Path:
    p = tmp_path / "rules.toml"
    p.write_text(DEFAULT_RULES.read_text(encoding="utf-8"), encoding="utf-8")
    return p


def _fresh(c: Classifier, text: str, mode: str = "combined", tokens: list[str] | None = None) -> object:
    """The answer worked out again, past the memo."""
    if tokens is None:
        tokens = c._tk.cut(c.normalize(text), c.hmm)
    return c._classify(text, tokens, mode, c._rules, c.model, c.danger, c.chatter, c.tiers, c.lexicon,
                       c._staff_terms)


def test_a_repeated_text_gets_the_same_answer_and_its_own_token_list(cache_dir):
    c = Classifier(cache_dir=cache_dir)
    first = c.classify("3号楼电梯坏了 能不能派人来看看")
    again = c.classify("3号楼电梯坏了 能不能派人来看看")
    assert again == first and again.category == "repair"
    tokens = c.tokenize("3号楼电梯坏了")
    tokens.append("被改了")  # a caller's list is its own: the next caller gets the text's tokens
    assert c.tokenize("3号楼电梯坏了") == tokens[:-1]
    for mode in ("rules", "model", "combined"):  # each mode its own answer
        assert c.classify(TEXT, mode=mode) == _fresh(c, TEXT, mode)
    # other tokens for the same text (a caller's own cut) are answered for those tokens
    c.classify("3号楼电梯坏了")
    assert c.classify("3号楼电梯坏了", ["3", "号楼"]) == _fresh(c, "3号楼电梯坏了", tokens=["3", "号楼"])
    assert c.classify("3号楼电梯坏了", ["3", "号楼"]).subject is None


def test_a_keyword_staff_add_or_remove_counts_for_a_text_seen_before(tmp_path, cache_dir):
    c = Classifier(rules_path=_copy_rules(tmp_path), cache_dir=cache_dir)
    assert "充电宝柜" not in c.tokenize(TEXT)
    before = c.classify(TEXT)
    assert not any("充电宝柜" in e for e in before.evidence)
    c.add_keyword("other", "充电宝柜", 4)
    assert "充电宝柜" in c.tokenize(TEXT)  # the new word cuts the remembered text otherwise
    after = c.classify(TEXT)
    assert "other:充电宝柜(+4)" in after.evidence and after == _fresh(c, TEXT)
    assert c.remove_keyword("other", "充电宝柜")
    assert not any("充电宝柜" in e for e in c.classify(TEXT).evidence)


def test_a_rules_file_read_again_counts_for_a_text_seen_before(tmp_path, cache_dir):
    path = _copy_rules(tmp_path)
    c = Classifier(rules_path=path, cache_dir=cache_dir)
    text = "楼道灯坏了三天 晚上黑漆漆的"
    assert "repair:楼道灯(+3)" in c.classify(text, mode="rules").evidence
    path.write_text(path.read_text(encoding="utf-8").replace('"楼道灯" = 3', '"楼道灯" = 3.5'), encoding="utf-8")
    c.reload()
    assert "repair:楼道灯(+3.5)" in c.classify(text, mode="rules").evidence


def test_a_model_swapped_in_answers_a_text_seen_before(cache_dir):
    c = Classifier(cache_dir=cache_dir)
    text = "3号楼电梯坏了 能不能派人来看看"
    assert c.classify(text).p_request is not None
    model, c.model = c.model, None  # rules alone (as when the model file cannot be read)
    try:
        assert c.classify(text).p_request is None
    finally:
        c.model = model
    assert c.classify(text).p_request is not None


def test_the_memo_is_bounded_and_keeps_what_is_used():
    m: Memo[str, int] = Memo(3)
    parts = (object(),)
    t = m.table(parts)
    for i in range(3):
        m.put(t, str(i), i)
    assert len(m) == 3
    assert m.get(t, "0") == 0  # used again: it stays
    m.put(t, "3", 3)  # full: the least recently used ("1") goes
    assert len(m) == 3 and m.get(t, "1") is None
    assert [m.get(t, k) for k in ("0", "2", "3")] == [0, 2, 3]
    assert m.get(m.table((object(),)), "3") is None  # other parts: nothing remembered for them
    assert m.get(m.table(parts), "3") is None  # (and what was there is gone)
    off: Memo[str, int] = Memo(0)
    off.put(off.table(parts), "a", 1)
    assert len(off) == 0


def test_many_texts_stay_within_the_bound(cache_dir):
    from domain.classifier import engine

    c = Classifier(cache_dir=cache_dir)
    for i in range(engine.MEMO_SIZE + 10):
        c.classify(f"{i}号楼电梯坏了")
    assert len(c._answers) <= engine.MEMO_SIZE and len(c._tokens_memo) <= engine.MEMO_SIZE
