"""Reading what people type: normalising, commands, ticket numbers, addresses.

People type on phones: full-width digits, @mentions, "#1024", "1024号", Chinese
colons. Everything here is forgiving in what it reads and strict in what it means.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_MENTION = re.compile(r"@[^\s@]{1,40}(?:\s+|$)")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

def normalise(text: str) -> str:
    """NFKC (full-width to half-width), control and zero-width characters out,
    whitespace folded."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


def strip_mentions(text: str) -> str:
    """Drop @mentions at the start (the bot's or anyone's): "@联户助手 接单 12" → "接单 12"."""
    previous = None
    while previous != text:
        previous = text
        text = _MENTION.sub("", text, count=1) if text.startswith("@") else text
    return text.strip()


@dataclass(frozen=True)
class CommandText:
    word: str
    rest: str  # what follows the command word, stripped


def parse_command(text: str, words: Iterable[str]) -> CommandText | None:
    """The command a message starts with, if it is one of ``words`` (the chat handlers
    declare theirs on their routes; the longest word that fits wins).

    A command word must stand alone or be followed by a space, a digit, '#', or a
    colon: "查询 1024" and "查询1024" are commands, "查询一下明天停水吗" is chatter.
    """
    body = strip_mentions(normalise(text))
    if not body:
        return None
    for word in _by_first_character(words).get(body[0], ()):
        if body.startswith(word):
            rest = body[len(word):]
            if not rest or rest[0] in " #:,0123456789" or rest[0] in ":,":
                return CommandText(word, rest.lstrip(" :,,:").strip())
    return None


#: the words of a set, by their first character, longest first (read at every message: built once)
_INDEXED: dict[frozenset[str], dict[str, list[str]]] = {}


def _by_first_character(words: Iterable[str]) -> dict[str, list[str]]:
    key = words if isinstance(words, frozenset) else frozenset(words)
    index = _INDEXED.get(key)
    if index is None:
        index = {}
        for word in sorted(key, key=len, reverse=True):
            if word:
                index.setdefault(word[0], []).append(word)
        if len(_INDEXED) > 64:
            _INDEXED.clear()
        _INDEXED[key] = index
    return index


_NUMBER = re.compile(r"^#?\s*(\d+)(?!\d)\s*号?[\s,,::]*(.*)$", re.S)


def ticket_number(rest: str) -> tuple[int | None, str]:
    """The ticket number at the start of a command's arguments, and what follows."""
    m = _NUMBER.match(rest.strip())
    if not m:
        return None, rest.strip()
    return int(m.group(1)), m.group(2).strip()


_ADDRESS_DASHED = re.compile(r"^(\w+?)[-—_/](\w+?)[-—_/](\d{2,5})$")
_ADDRESS_WORDS = re.compile(r"^(\w+?)(?:号楼|栋|幢|号)(\w+?)单元(\d{2,5})(?:室|号)?$")


def parse_address(text: str) -> tuple[str, str, str] | None:
    """'3-2-502' or '3号楼2单元502' → ('3', '2', '502')."""
    t = normalise(text).replace(" ", "")
    for pattern in (_ADDRESS_DASHED, _ADDRESS_WORDS):
        m = pattern.match(t)
        if m:
            return m.group(1), m.group(2), m.group(3)
    return None


RATINGS = {"1": 1, "2": 2, "3": 3, "满意": 1, "非常满意": 1, "基本满意": 2, "不满意": 3}


def parse_rating(text: str) -> int | None:
    t = strip_mentions(normalise(text)).rstrip("。.!!~ ")
    return RATINGS.get(t)
