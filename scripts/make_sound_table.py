"""Write domain/guide_sound.json: the readings the guide's homophone reading needs, from pypinyin.

    .venv/bin/python scripts/make_sound_table.py [--check]

The bot then reads sounds from that small file and never imports pypinyin (its tables cost
~55 MB of the bot's memory). What the file holds (pypinyin's ``Style.NORMAL``, no tones):

* ``chars``: every character of U+4E00–U+9FFF by its reading as typed alone
  (``pinyin(c)``, its first reading), grouped by reading;
* ``polyphones``: the characters that some phrase of pypinyin's phrase table reads otherwise
  (行 in 银行, 约 in 要约), or that have no reading: only in a word holding one of these can
  pypinyin's reading of the word differ from its characters' readings;
* ``words``: the shipped guide's topic words (storage/demo_guide.toml, as
  ``guide.Index.build`` hands them to ``SoundFixer``) that hold such a character, each with
  pypinyin's reading of the whole word.

A topic word with such a character that is not in the file (an entry added later) is read by
pypinyin itself, imported then (domain/guide_sound.py). tests/test_guide_sound_table.py checks the
file is what this script makes; ``--check`` does the same (exit status 1 when it is not).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "domain" / "guide_sound.json"
FIRST, LAST = 0x4E00, 0x9FFF


def _reading(text: str) -> list[str]:
    from pypinyin import Style, pinyin

    return [s[0] for s in pinyin(text, style=Style.NORMAL)]


def char_readings() -> dict[str, str]:
    return {chr(c): _reading(chr(c))[0] for c in range(FIRST, LAST + 1)}


def polyphones(alone: dict[str, str]) -> set[str]:
    """Characters whose reading in some phrase of pypinyin's table is not their reading alone,
    and characters without a reading (pypinyin returns the character itself)."""
    from pypinyin import Style
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.style import convert

    out = {c for c, r in alone.items() if r == c}
    for phrase, readings in PHRASES_DICT.items():
        said = _reading(phrase) if len(readings) == len(phrase) else []
        for i, c in enumerate(phrase):
            if c not in alone:
                continue
            forms = {convert(r, Style.NORMAL, strict=True) for r in (readings[i] if i < len(readings) else [])}
            if i < len(said):
                forms.add(said[i])
            if not forms or forms != {alone[c]}:
                out.add(c)
    return out


def topic_words(tokenize: Callable[[str], list[str]] | None = None) -> set[str]:
    """The words the shipped guide's index reads by sound (recorded as ``SoundFixer`` reads them),
    its titles cut by ``tokenize`` (default: the bot's, the classifier's segmenter)."""
    sys.path.insert(0, str(REPO))
    from bot.cli.guide import load_entries
    from domain import guide, guide_sound

    if tokenize is None:
        from domain.classifier import Classifier

        tokenize = Classifier(cache_dir=Path(tempfile.gettempdir()) / "lianhu-sound-table").tokenize

    seen: set[str] = set()
    original = guide_sound.word_sound

    def record(word: str) -> tuple[str, ...]:
        seen.add(word)
        return tuple(word)  # a key of its own: the reading is not wanted here

    guide_sound.word_sound = record
    try:
        guide.Index.build(tokenize, load_entries(None), [])
    finally:
        guide_sound.word_sound = original
    return seen


def make_table(tokenize: Callable[[str], list[str]] | None = None) -> dict[str, Any]:
    import pypinyin

    alone = char_readings()
    poly = polyphones(alone)
    by_reading: dict[str, list[str]] = {}
    for c, r in alone.items():
        by_reading.setdefault(r, []).append(c)
    words = {w: " ".join(_reading(w)) for w in sorted(topic_words(tokenize)) if any(c in poly for c in w)}
    return {"made_by": "scripts/make_sound_table.py", "pypinyin": pypinyin.__version__,
            "chars": {r: "".join(cs) for r, cs in sorted(by_reading.items())},
            "polyphones": "".join(sorted(poly)), "words": words}


def dumps(table: dict[str, Any]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether the file is current")
    args = ap.parse_args()
    text = dumps(make_table())
    if args.check:
        current = TABLE.exists() and TABLE.read_text(encoding="utf-8") == text
        print("current" if current else f"{TABLE} is not current: run scripts/make_sound_table.py")
        return 0 if current else 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE} ({len(text.encode()) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
