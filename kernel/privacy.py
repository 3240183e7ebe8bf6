"""What may never appear in a group.

``redact(text)`` masks phone numbers, ID numbers and bank card numbers in every group
message as a last guard (storage/outbox.py applies it to every group row). It finds
them in the forms people actually write them:

- mobiles: ``13812345678``, ``+8613812345678``, ``8613812345678``, ``0086 138…``,
  ``138 1234 5678``, ``138-1234-5678``, ``138.1234.5678``, ``138/1234/5678``,
  full-width digits (``１３８…``) and mixes, Chinese numerals (``一三八一二三四五六七八``,
  with ``幺`` for 1 and ``零``/``〇`` for 0);
- landlines: ``010-62345678``, ``0571 8888 6666``;
- ID numbers: 18 digits (last may be X), with spaces or dashes, and the old 15-digit form
  (checked by their birth date, so ordinary long numbers are left alone);
- bank cards: 16–19 digits, contiguous or in groups, that pass the Luhn check or start with
  62 (UnionPay).

A run of digits and separators is split into its groups and every stretch of consecutive
groups is tried, longest first, so ``工单1001 13812345678`` masks only the phone number.

``sensitive_kind(note)`` says whether a member's free text (``进展 N …``, ``办结 N …``)
mentions something that must not reach a building group: hardship, health, a dispute,
family matters, or a household's details (an address such as 3-2-502, an ID or phone
number, income, who lives where; a phone number alone is masked, not diverted). The vocabulary is ``SENSITIVE_WORDS`` below; such a
note goes privately to the reporters and the group gets a neutral line.
"""
from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_LANDLINE = re.compile(r"(?<![\d*])(0\d{2,3})[\s-]?(\d{7,8})(?![\d*])")

#: every character that can stand for a digit, and the digit it stands for
_DIGITS = {**{str(d): str(d) for d in range(10)},
           **{chr(0xFF10 + d): str(d) for d in range(10)},
           **dict(zip("零〇一二三四五六七八九幺", "001234567891"))}
_DIGIT = "[" + "".join(_DIGITS) + "]"
_SEP = r"[ \t\u3000\-－‐‑–—.．。/／_]"
#: a run: groups of digit characters (an ID's last may be X) joined by short separators,
#: optionally led by + or ＋
_RUN = re.compile(rf"[+＋]?{_DIGIT}+(?:[Xx](?![A-Za-z]))?(?:{_SEP}{{1,3}}{_DIGIT}+(?:[Xx](?![A-Za-z]))?)*")
_GROUP = re.compile(rf"{_DIGIT}+(?:[Xx](?![A-Za-z]))?")

_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID18 = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
_ID15 = re.compile(r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _mask(digits: str) -> str | None:
    """The masked form of one candidate number, or None if it is none of ours."""
    if _MOBILE.fullmatch(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and _MOBILE.fullmatch(rest):
            return f"{rest[:3]}****{rest[-4:]}"
    if _ID18.fullmatch(digits):
        return digits[:3] + "*" * 11 + digits[-4:]
    if _ID15.fullmatch(digits):
        return digits[:3] + "*" * 8 + digits[-4:]
    if 16 <= len(digits) <= 19 and digits.isdigit() and digits[0] in "3456" and (
            _luhn(digits) or digits.startswith("62")):
        return f"{digits[:4]} **** **** {digits[-4:]}"
    return None


#: the fewest digit characters anything ``_mask`` masks holds (a landline: 0 + 2 digits + 7)
_FEWEST = 10


def _mask_run(run: str) -> str:
    groups = list(_GROUP.finditer(run))
    if sum(g.end() - g.start() for g in groups) < _FEWEST:
        return run  # too few digits for any number masked (工单1024, 3单元, 停在5楼): as it is
    values = ["".join(_DIGITS.get(ch, "X") for ch in g.group()) for g in groups]
    out: list[str] = []
    pos = 0  # position in run copied so far
    i = 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            start = groups[i].start()
            plus = start > 0 and run[start - 1] in "+＋"
            masked = _mask("".join(values[i:j + 1]))
            rest = "".join(values[i + 1:j + 1])
            if masked is None and re.fullmatch(r"0\d{2,3}", values[i]) and re.fullmatch(r"\d{7,8}", rest):
                masked = f"{values[i]}-****{rest[-2:]}"  # a landline: 0571 8888 6666
            if masked is not None:
                cut = start - 1 if plus else start
                out.append(run[pos:cut])
                out.append(masked)
                pos = groups[j].end()
                i = j + 1
                break
        else:
            i += 1
    out.append(run[pos:])
    return "".join(out)


#: ten digit characters close together: each of ``_DIGIT``'s or any Unicode decimal digit (``\\d``
#: of ``_ID_NUMBER`` and ``_LANDLINE``), at most four characters apart, each of them a separator
#: of ``_RUN`` (an X ends a group: X and three separators), or a space of ``_LANDLINE``'s ``\\s``.
#: Everything ``redact`` masks holds ten such (a landline 0 + 2 + 7, a mobile 11, an ID 17 and
#: more, a card 16); a text without them is given back as it is
_D = r"[\d" + "".join(ch for ch in _DIGITS if not ch.isdecimal()) + "]"
_CLOSE = re.compile(rf"{_D}(?:[\sXx{_SEP[1:]}{{0,4}}{_D}){{9}}")


def redact(text: str) -> str:
    if _CLOSE.search(text) is None:
        # nothing to mask (most group lines: 工单号 1024, 停在5楼, 24小时内): the same text, at once
        return text
    text = _RUN.sub(lambda m: _mask_run(m.group()), text)
    text = _ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(3)[-4:], text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)[-2:]}", text)
    return text


# --- notes that must not reach a group ------------------------------------------------------------

#: What makes a member's note private (``进展``/``办结``): a word of one of these kinds sends
#: the note to the reporters privately and a neutral line to the group. Kept small and
#: specific on purpose (a lamp, a pipe or a lock never matches); add words here.
SENSITIVE_WORDS: dict[str, tuple[str, ...]] = {
    "hardship": ("低保", "困难户", "特困", "贫困", "经济困难", "生活困难", "救助", "补助", "补贴",
                 "残疾", "残障", "失业", "下岗", "孤寡", "孤老", "独居", "空巢", "欠费", "欠款",
                 "交不起", "没钱", "收入", "存款", "负债", "借钱"),
    "health": ("生病", "疾病", "病史", "病情", "病人", "患病", "患有", "看病", "住院", "出院", "医院", "就医", "手术", "精神", "抑郁", "焦虑", "癌",
               "瘫", "痴呆", "失智", "智力", "吃药", "服药", "药物", "治疗", "康复", "怀孕",
               "流产", "透析", "化疗", "去世", "过世", "身体不好"),
    "dispute": ("纠纷", "矛盾", "吵架", "争吵", "打架", "冲突", "报警", "派出所", "调解", "和解",
                "起诉", "官司", "律师", "威胁", "骂", "赔偿", "索赔"),
    "family": ("离婚", "婚姻", "家暴", "家庭矛盾", "家务事", "家事", "老伴", "儿子", "女儿", "儿媳",
               "女婿", "子女", "孩子", "赡养", "抚养", "遗产", "继承", "分家", "再婚", "出轨",
               "单亲", "留守"),
    "household": ("户主", "户籍", "身份证", "户口", "住户信息", "家庭成员", "家里人", "该户", "这户",
                  "此户", "租户", "房东", "房产", "产权", "社保", "医保"),
}
_ADDRESS = re.compile(r"(?<!\d)\d{1,3}\s*[-－—]\s*\d{1,3}\s*[-－—]\s*\d{2,5}(?!\d)|\d+\s*室")
_WORDS = [(kind, word) for kind, words in SENSITIVE_WORDS.items() for word in words]


def sensitive_kind(note: str) -> str | None:
    """The kind of sensitive detail a note mentions (a key of SENSITIVE_WORDS, or
    "household" for an address or an ID number), or None when it may be shown in a
    building group."""
    for kind, word in _WORDS:
        if word in note:
            return kind
    if _ADDRESS.search(note) or _ID18.search(note) or _ID15.search(note):
        return "household"
    return None
