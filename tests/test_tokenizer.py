"""jieba's dictionary as a trie in the data folder: the segmenter cuts exactly as jieba does, the
cache file is made, reused and made again when it is missing, damaged or stale, and the bot
never loads jieba's own 500,000-key dictionary."""
from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from domain.classifier import dictionary
from domain.classifier.dictionary import CACHE_NAME
from domain.classifier.tokenizer import Segmenter

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"


def _texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("fresh/*.jsonl"))[:3]:
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rnd = random.Random(3)
    pieces = ["楼道灯", "坏了", "锦鲤池塘", "3号楼", "B超", "x光机", "abc123", "，", " ", "\r\n", "！", "😀",
              "电梯", "能不能", "派人", "来看看", "鲃", "12幢B区东门", "%", "_", "物业费", "交了没"]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 12))) for _ in range(300)]
    return texts


def test_cuts_are_jiebas(tmp_path):
    """Without words of its own the segmenter gives ``jieba.lcut``'s cuts, with and without HMM."""
    import jieba

    seg = Segmenter(tmp_path)
    for text in _texts():
        assert seg.cut(text, hmm=False) == jieba.lcut(text, HMM=False), text
        assert seg.cut(text, hmm=True) == jieba.lcut(text, HMM=True), text


def test_cuts_stay_jiebas_when_the_memo_starts_again(tmp_path, monkeypatch):
    """The walk's memo of looked-up fragments is bounded; starting it again changes no cut."""
    import jieba

    from domain.classifier import tokenizer

    monkeypatch.setattr(tokenizer, "MEMO_SIZE", 16)
    seg = Segmenter(tmp_path, [("锦鲤池塘", None)])
    for text in _texts()[:200]:
        assert seg.cut(text, hmm=True) == jieba.lcut(text, HMM=True) or "锦鲤池塘" in text, text
        assert len(seg._known) <= 16
    assert "锦鲤池塘" in seg.cut("锦鲤池塘漏了")


def test_own_words_change_only_that_segmenter(tmp_path):
    a = Segmenter(tmp_path, [("锦鲤池塘", None)])
    b = Segmenter(tmp_path)
    assert "锦鲤池塘" in a.cut("锦鲤池塘漏了")
    assert "锦鲤池塘" not in b.cut("锦鲤池塘漏了")
    a.add_word("电梯", 0)  # 0: no longer a word for this segmenter
    assert "电梯" not in a.cut("电梯坏了")
    assert "电梯" in b.cut("电梯坏了")


def test_the_cache_file_is_made_once_and_reused(tmp_path):
    first = dictionary.load(tmp_path)
    cache = tmp_path / CACHE_NAME
    assert cache.exists()
    stamp = cache.stat().st_mtime_ns
    again = dictionary.load(tmp_path)
    assert cache.stat().st_mtime_ns == stamp  # read, not written again
    assert len(again) == len(first) > 300_000 and again.total == first.total
    assert again.get("电梯") == first.get("电梯") > 0
    assert again.get("电梯坏了") is None


@pytest.fixture(scope="module")
def good_cache(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("dictionary")
    dictionary.load(folder)
    return (folder / CACHE_NAME).read_bytes()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
def test_a_damaged_cache_file_is_made_again(tmp_path, caplog, damage, good_cache):
    """A damaged cache file never stops the bot: it is logged and made again."""
    cache = tmp_path / CACHE_NAME
    data = good_cache
    if damage == "garbage":
        cache.write_bytes(os.urandom(5000))
    elif damage == "truncated":
        cache.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        i = len(data) // 2
        cache.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:])
    else:
        cache.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="domain.classifier.dictionary"):
        again = dictionary.load(tmp_path)
    assert "cannot be read" in caplog.text and "rebuilding" in caplog.text
    assert again.get("电梯") and again.total > 0
    assert cache.read_bytes() == data  # written anew, whole


def test_the_cache_follows_jiebas_dictionary(tmp_path):
    """A cache made from another dict.txt (jieba upgraded) is made again from the new one."""
    words = tmp_path / "dict.txt"
    words.write_text("电梯 10 n\n电梯坏 3 n\n坏了 5 v\n电梯 20 n\n", encoding="utf-8")
    small = dictionary.load(tmp_path, words)
    # jieba's FREQ: the last frequency of a repeated word, its prefixes at 0
    assert dict(small) == {"电": 0, "电梯": 20, "电梯坏": 3, "坏": 0, "坏了": 5}
    assert small.total == 38  # jieba counts a repeated word's every line
    assert small.get("坏掉") is None
    words.write_text("电梯 10 n\n", encoding="utf-8")
    os.utime(words, ns=(1, 1))  # another file as far as the cache can tell
    assert dict(dictionary.load(tmp_path, words)) == {"电": 0, "电梯": 10}


def test_the_default_cache_holds_jiebas_words(tmp_path):
    """The trie holds jieba.dt.FREQ: its words and their prefixes, the same frequencies."""
    import jieba

    base = dictionary.load(tmp_path)
    jieba.initialize()
    freq = jieba.dt.FREQ
    assert base.total == jieba.dt.total
    assert {w: f for w, f in freq.items() if f} == {w: f for w, f in base.items() if f}
    assert {w for w, f in freq.items() if not f} <= set(base)  # the prefixes (jieba.dt may hold others' too)


def test_the_classifier_never_loads_jiebas_own_dictionary(tmp_path):
    script = ("import jieba\nfrom domain.classifier import Classifier\n"
              "c = Classifier(cache_dir=%r)\nr = c.classify('3号楼电梯坏了 能不能派人来看看')\n"
              "print(r.category, jieba.dt.initialized)" % str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["repair", "False"]
    assert (tmp_path / CACHE_NAME).exists()


def test_plain_cuts_never_import_jieba(tmp_path):
    """The bot cuts without jieba's HMM: jieba (~19 MB of HMM tables) is not even imported; a cut
    with HMM imports it then, and a word added with frequency 0 is still never one word there."""
    script = ("import sys\nfrom domain.classifier import Classifier\nfrom domain.classifier.tokenizer import Segmenter\n"
              "c = Classifier(cache_dir=%r)\nr = c.classify('3号楼电梯坏了 能不能派人来看看')\n"
              "print(r.category, 'jieba' in sys.modules)\n"
              "s = Segmenter(%r, [('石狮子', 0)])\n"
              "print(s.cut('门口石狮子倒了', hmm=True), 'jieba' in sys.modules)" % (str(tmp_path), str(tmp_path)))
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.strip().splitlines()[-2:]
    assert first == "repair False"
    assert second.endswith("True") and "'石狮子'" not in second
