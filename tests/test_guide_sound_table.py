"""The guide's homophone reading from its small table (domain/guide_sound.json) instead of
pypinyin (~55 MB): the same readings as pypinyin, a slip still read as its topic word, pypinyin
never imported for the shipped guide, and the table current (scripts/make_sound_table.py)."""
from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from pathlib import Path

from domain import guide_sound

REPO = Path(__file__).resolve().parent.parent


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_sound_table", REPO / "scripts" / "make_sound_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pypinyin_word(word: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    return tuple(guide_sound._fuzzy(s[0]) for s in pinyin(word, style=Style.NORMAL))


def test_the_table_is_what_the_script_makes_from_pypinyin(classifier) -> None:  # type: ignore[no-untyped-def]
    script = _script()
    made = script.dumps(script.make_table(classifier.tokenize))
    assert guide_sound.TABLE.read_text(encoding="utf-8") == made, "run scripts/make_sound_table.py"


def test_every_character_and_word_reads_as_pypinyin_reads_it() -> None:
    for code in range(guide_sound.FIRST, guide_sound.LAST + 1):
        assert guide_sound.sound(chr(code)) == _pypinyin_word(chr(code))[0], chr(code)
    # topic words in the table (停车: 车 is ju in 车马炮), words a phrase reads otherwise and the
    # table does not hold (银行, 长大: pypinyin reads them), words of characters read alone
    for word in ("停车", "长期处方", "低保", "流感疫苗", "自愿者", "银行", "长大", "长寿", "重新", "要约", "几点前要扔"):
        assert guide_sound.word_sound(word) == _pypinyin_word(word), word
    assert guide_sound.word_sound("长大")[0] == "zan" and guide_sound.word_sound("长寿")[0] == "can"


def test_a_missing_table_leaves_every_reading_to_pypinyin(tmp_path: Path, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "guide_sound.json"
    bad.write_text("{\"chars\": [", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="domain.guide_sound"):
        table = guide_sound._Table(bad)
    assert "unreadable" in caplog.text
    monkeypatch.setattr(guide_sound, "_table", lambda: table)
    for word in ("地保", "停车", "银行"):
        assert guide_sound.word_sound(word) == _pypinyin_word(word)
        assert tuple(guide_sound.sound(c) for c in word) == tuple(_pypinyin_word(c)[0] for c in word)


def test_the_shipped_guide_reads_slips_without_importing_pypinyin(tmp_path: Path) -> None:
    script = ("import sys\nfrom bot.cli.guide import load_entries\nfrom domain import guide\n"
              "from domain.classifier import Classifier\n"
              "c = Classifier(cache_dir=%r)\nentries = load_entries(None)\n"
              "index = guide.Index.build(c.tokenize, entries)\nkey = {e.id: e.key for e in entries}\n"
              "for text in ('流干疫苗在哪里能打', '自愿者在哪报名', '地保怎么申请', '几点前要扔'):\n"
              "    m = guide.sure_match(index, c.tokenize, text)\n"
              "    print(''.join(index.fix.fix(c.tokenize(text))), key[m.entry_id] if m else None)\n"
              "print('pypinyin' in sys.modules)" % str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()[-5:]
    assert lines[0] == "流感疫苗在哪里能打 flu-vaccine"
    assert lines[1] == "志愿者在哪报名 volunteer"
    assert lines[2].startswith("低保怎么申请 ")
    assert lines[3].startswith("几点前要扔 ")
    assert lines[4] == "False"
