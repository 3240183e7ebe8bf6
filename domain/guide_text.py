"""The guide's reading of a text (domain/guide.py): everyday names put into the guide's words
(``guide_vocab.SYNONYMS``), the topic terms (jieba tokens without stopwords, plus the two-character
pieces of longer tokens, homophone slips put right by ``guide_sound``), the character pairs, how
much each clause's terms count, and whether a text asks at all."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from domain.classifier.t2s import T2S
from domain.guide_sound import SoundFixer
from domain.guide_vocab import (ASKING_KE, CANTONESE, CANTONESE_HOW, CANTONESE_IS, CANTONESE_OR, CANTONESE_WHERE,
                                CANTONESE_YET, CENTRAL_NOT, COME, EDGE_WORDS, GAN_WHEN, GUANZHONG_ASK, GUANZHONG_I, HAKKA_I, HAKKA_WHERE, HAKKA_WHO_SAYS, HEALTH_ADVICE,
                                JIANGHUAI_AH, JIANGHUAI_ASK, JIANGHUAI_CAN, JIANGHUAI_KE, JIANGHUAI_KESHI, JIANGHUAI_NOT, JIN_WHAT, MINNAN, NEIGHBOURS, NORTHEAST,
                                NORTHWEST, NORTHWEST_HOW, NORTHWEST_WHERE, NORTHWEST_WHICH, OPINION, OTHER_SPEECH,
                                OWN_ADVICE, OWN_CASE, OWN_DECISION, OWN_STATUS, PROBLEM, PROCEDURE, PROXY, PUXIAN_ASK, PUXIAN_CAN, QUESTION, RHETORICAL,
                                SAFETY_VISIT, SCAM_NOT_ASKED, SCAM_STORY, SHANDONG_WHAT, SHANDONG_WHERE, SOUTHWEST, SOUTHWEST_HOW, SOUTHWEST_HOW_MUCH,
                                SOUTHWEST_GO, SOUTHWEST_HOW_LONG, SOUTHWEST_OR_NOT, SOUTHWEST_YET, SOUTHWEST_CAN, SOUTHWEST_HOW_OLD, SOUTHWEST_WHAT_TIME, SOUTHWEST_WHEN, SOUTHWEST_WHO,
                                STOPWORDS, SUPPOSED, SYNONYMS, TAIWAN, VISIT, WU, WU_A_HAO, WU_ASK, WU_HE, WU_HOW, WU_NOT, WU_ASK_FOU, WU_MAY, WUHAN, YUNNAN_ASK)
from kernel.parsing import normalise
from kernel.prefilter import AnyOf, Prefiltered

Tokenize = Callable[[str], list[str]]

#: a term met only in the clauses around the one that asks counts this much towards confidence
CONTEXT_SHARE = 0.5
TERSE_CHARS = 12

_MENTION = re.compile(r"@[^\s@]{1,16}(?=\s)")  # "@管家 …": whom it is addressed to is no topic
_SYN = re.compile("|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)))


_DIALECT = {**TAIWAN, **OTHER_SPEECH, **NORTHWEST, **WUHAN, **NORTHEAST, **MINNAN, **WU, **SOUTHWEST, **CANTONESE}
#: simplified Chinese writes 著 too (著名; 居著证 a slip of 居住证 the guide reads by its sound)
_T2S = {k: v for k, v in T2S.items() if chr(k) not in "著"}
_TRADITIONAL = re.compile("[" + "".join(re.escape(chr(k)) for k in sorted(_T2S)) + "]")  # most texts: none
_DIALECTS = Prefiltered(re.compile("|".join(sorted(map(re.escape, _DIALECT), key=len, reverse=True))))


#: the words of those speeches read by their neighbours, in this order (after the maps above)
_READINGS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (CANTONESE_IS, "是"), (CANTONESE_WHERE, "哪"), (CANTONESE_OR, "还是"), (CANTONESE_HOW, "怎么"),
    (CANTONESE_YET, lambda m: "没有" if m.string[m.start() - 1] == "了" else "了没有"),
    (WU_HE, lambda m: "他们" if m.group(1) else "他"), (WU_HOW, "怎么"), (WU_NOT, "不"), (WU_ASK_FOU, "吗"), (WU_MAY, "可以"), (WU_ASK, "吗"), (ASKING_KE, "有没有"),
    (SOUTHWEST_WHEN, "什么时候"), (SOUTHWEST_HOW_LONG, "多久"), (SOUTHWEST_GO, "去"),
    (SOUTHWEST_WHAT_TIME, "几点"), (SOUTHWEST_HOW_OLD, "多大"), (SOUTHWEST_HOW_MUCH, "多少"), (SOUTHWEST_HOW, "怎么"), (JIANGHUAI_CAN, "能不能"), (JIANGHUAI_KE, "是否"), (WU_A_HAO, "能不能"), (GAN_WHEN, "什么时候"), (JIANGHUAI_ASK, "是否"), (JIANGHUAI_AH, "是否"), (YUNNAN_ASK, "是否"), (GUANZHONG_ASK, "是不是"), (GUANZHONG_I, "我"), (PUXIAN_CAN, "可以"), (PUXIAN_ASK, "吗"), (JIANGHUAI_KESHI, lambda m: "够不够" if m.group().endswith("够") else "是不是"),
    (JIANGHUAI_NOT, lambda m: "没有" if m.group(1) else "没"), (CENTRAL_NOT, "没"), (SOUTHWEST_WHO, "谁"), (SOUTHWEST_OR_NOT, "没"), (SOUTHWEST_YET, "没有"), (SOUTHWEST_CAN, "行不行"),
    (NORTHWEST_HOW, "怎么"), (NORTHWEST_WHERE, "哪里"), (NORTHWEST_WHICH, "哪个"), (SHANDONG_WHERE, "哪里"), (SHANDONG_WHAT, "什么"), (HAKKA_I, "我"), (HAKKA_WHO_SAYS, "谁说"), (HAKKA_WHERE, "哪里"), (JIN_WHAT, "什么"),
)
# each of these patterns (and of the question tests below) is searched only in a text holding one of the
# pieces every match of it needs (``kernel.prefilter``): the same answers, without running long
# alternations over texts that cannot match them (``OWN_STATUS`` ~0.1 ms a search)
_READ_FIRST = tuple((Prefiltered(pattern), reading) for pattern, reading in _READINGS)
_READ_ANY = AnyOf(pattern for pattern, _ in _READINGS)  # most texts: none of them at all


@lru_cache(maxsize=256)  # the same message is read by is_question, is_terse and rank in turn
def mandarin(text: str) -> str:
    """Regional speech as residents write it put into Mandarin, so that the rules and the entries
    read it as they read any question: traditional characters as simplified (the classifier's
    ``T2S``: 係 → 系, 個 → 个); the words of Cantonese (边度 → 哪里, 有冇 → 有没有), Southwestern
    Mandarin (咋个 → 怎么), Wu (阿拉 → 我们), Minnan (按怎 → 怎么), Wuhan (么样 → 怎么), the Northeast
    and Northwest and a few of Xiang, Hakka, Gan and Jin, and Taiwan's names of things (健保 → 医保,
    机车 → 电动车) (``guide_vocab``); and the words Mandarin
    uses with another meaning only where their neighbours show the dialect's (``_READINGS``: 好久
    "when", 好多 "how much", 哪个 "who", 没得 "or not", 伊 "he", 可有 "is there", Shandong's 哪来
    "where" and 嘛 "what", Hakka's 涯 "I" and 哪位 "where", Jin's 甚 "what", the Jianghuai 阿 asking
    yes or no and 么 "not"). The few words of the
    maps Mandarin writes too (巴士, 阿妈, 夜晚, 返工, 晓得) come out meaning the same or naming no
    topic: a Mandarin question is answered as before."""
    if _TRADITIONAL.search(text):
        text = text.translate(_T2S)
    text = _DIALECTS.sub(lambda m: _DIALECT[m.group()], text)
    if _READ_ANY.could_match(text):
        for pattern, reading in _READ_FIRST:
            text = pattern.sub(reading, text)
    return text


def at_home(text: str, home: Sequence[str]) -> str:
    """``text`` with the community's own city (``home``: its names, ``Settings.home_city``) read
    as 本地: "上海的居住证怎么办" asked in Shanghai is about here, not another city's own scheme.
    Names of one character (沪, 穗) are left out: they are parts of other names (南京, 京沪)."""
    for name in home:
        if len(name) >= 2:
            text = text.replace(name + "市", "本地").replace(name, "本地")
    return text


def normalize(text: str) -> str:
    """Everyday names replaced by the guide's, until nothing changes (老年公交卡 → 老年人乘车卡 → 老人乘车卡),
    set apart by spaces so that jieba keeps each a word of its own (养条小泰迪 → 养条 狗)."""
    text = _MENTION.sub(" ", text.lower())
    for _ in range(3):
        done = _SYN.sub(lambda m: f" {SYNONYMS[m.group()]} ", text)
        if done == text:
            break
        text = done
    return text


def _strip_edges(token: str) -> str:  # kept through ``_token_terms``
    changed = True
    while changed and token:
        changed = False
        for w in EDGE_WORDS:
            if token != w and token.startswith(w):
                token, changed = token[len(w):], True
            if token != w and token.endswith(w):
                token, changed = token[: -len(w)], True
    return token


def terms(tokenize: Tokenize, text: str, fix: SoundFixer | None = None) -> list[str]:
    """The topic terms of a text: tokens without stopwords, and the bigrams of long tokens
    (homophones of the guide's topic words put right first when ``fix`` is given)."""
    out: list[str] = []
    tokens = tokenize(normalize(text))
    for raw in (fix.fix(tokens) if fix is not None else tokens):
        out.extend(_token_terms(raw))
    return out


@lru_cache(maxsize=2048)  # a pure function of the token: the same few thousand words come back
def _token_terms(raw: str) -> tuple[str, ...]:
    """A token's topic terms (``terms``): none, or the token without its edge words and, when it
    has three characters or more, its two-character pieces that are no function words."""
    token = _strip_edges(raw.strip())
    if not token or token in STOPWORDS or not any(ch.isalnum() for ch in token):
        return ()
    if len(token) < 3:
        return (token,)
    return (token, *(p for p in (token[i:i + 2] for i in range(len(token) - 1))
                     if p not in STOPWORDS and not _FUNCTION.search(p)))


def forget_terms() -> None:
    """Empty the memo of tokens' topic terms (``_token_terms``): after a one-off batch of texts
    (the guide's labelled questions, read once for the neighbour vote); it fills again as
    messages are read."""
    _token_terms.cache_clear()


#: a two-character piece holding one of these is no topic word (腿脚不好 → 脚不, 不好; 开了个 → 了个)
_FUNCTION = re.compile(r"[不了的个着过得吗呢吧啊么]")
_NOT_TOPIC = re.compile(r"[^\u4e00-\u9fff0-9a-z]+")


def char_pairs(text: str) -> frozenset[str]:
    """The pairs of neighbouring characters of a text (normalised), each clause apart."""
    return pairs_of_normalized(normalize(text))


def pairs_of_normalized(normalized: str) -> frozenset[str]:
    """``char_pairs`` of a text already ``normalize``d (a message's, read once)."""
    out: set[str] = set()
    for part in _NOT_TOPIC.split(normalized):
        out.update(part[i:i + 2] for i in range(len(part) - 1))
    return frozenset(out)


_CLAUSE = re.compile(r"[,,。!!;;\s]+")


def term_shares(tokenize: Tokenize, text: str, fix: SoundFixer | None = None) -> dict[str, float]:
    """How much each term counts towards confidence: fully in a clause that asks (has a question
    word), ``CONTEXT_SHARE`` in the story around it ("我奶奶下个月满八十了,她腿脚不方便, …")."""
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    asking = [bool(QUESTION.search(c)) for c in clauses]
    if len(clauses) < 2 or not any(asking):
        return {}
    shares: dict[str, float] = {}
    for clause, asks in zip(clauses, asking):
        for t in terms(tokenize, clause, fix):
            shares[t] = max(shares.get(t, 0.0), 1.0 if asks else CONTEXT_SHARE)
    return shares


def asking_part(text: str) -> str:
    """The clauses that ask, when a story around them does not ("孩子明年上幼儿园,园里说要居住证,
    在哪里办": the last); the whole text when it is one clause or no clause asks."""
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    asking = [c for c in clauses if QUESTION.search(c)]
    return " ".join(asking) if len(clauses) >= 2 and asking else text


def is_question(text: str) -> bool:
    """A question that names no problem for a person, unless it asks only how that is handled, and
    asks no one to look up or act on the resident's own case (``OWN_CASE``)."""
    text = mandarin(normalise(text))  # full-width punctuation as the rules spell it (，→ ,), Cantonese as Mandarin
    scam = scam_told(text)
    if not (scam or QUESTION.search(text)) or _not_for_the_guide(text):
        return False
    return scam or not _problem(text) or bool(_PROCEDURE.search(text))


def scam_told(text: str) -> bool:
    """A scam told and asked about (``SCAM_STORY``): a question for the guide, though money was lost
    (被骗了两千 … 怎么办: what to do is the anti-fraud entry's answer) or no question word is used
    (是骗子吧, 往哪举报)."""
    plain = text.lower().replace(" ", "")
    return bool(_SCAM_STORY.search(plain)) and not _SCAM_NOT_ASKED.search(plain)


#: what makes a few words a statement: a completed action, a person, a time, punctuation, how
#: something felt ("做完义工好开心"), a yes or a place to meet ("要得要得 晚上活动室见")
_NOT_TERSE = re.compile(r"[了啦过!!,,。我你他她咱俺]|天|刚|已经|开心|高兴|激动|难过|舒服|好玩|辛苦|感谢|谢谢|"
                        r"要得|好的|好嘞|得嘞|收到|没问题|见(?=$|[\s啊哦呀啦])")


def is_terse(text: str) -> bool:
    """A few words and no more: a topic typed as a question ("社区办公时间", "垃圾分类时间")."""
    t = mandarin(normalise(text))
    return (0 < len(t) <= TERSE_CHARS and not _NOT_TERSE.search(t)
            and not _problem(t) and not _not_for_the_guide(t))


def asks(text: str) -> tuple[bool, bool]:
    """``(is_question(text), is_terse(text))`` read at once: the text put into Mandarin once, and
    the tests both make (``_not_for_the_guide``, ``_problem``) made at most once each."""
    t = mandarin(normalise(text))
    not_for: bool | None = None
    problem: bool | None = None
    question = False
    scam = scam_told(t)
    if scam or QUESTION.search(t):
        not_for = _not_for_the_guide(t)
        if not not_for:
            problem = None if scam else _problem(t)
            question = scam or not problem or bool(_PROCEDURE.search(t))
    terse = False
    if 0 < len(t) <= TERSE_CHARS and not _NOT_TERSE.search(t):
        if problem is None:
            problem = _problem(t)
        if not problem:
            terse = not (_not_for_the_guide(t) if not_for is None else not_for)
    return question, terse


def _problem(text: str) -> bool:
    """A problem for a person (``PROBLEM``), read after whom a paper is done for (``PROXY``: 我替我爸领,
    我妈过来帮我带孩子) and a problem only supposed (``SUPPOSED``: 要是坏了, 会不会停水) are taken out;
    or someone asked to come (``COME``) — unless to check the home's safety (``SAFETY_VISIT``: the
    fire-safety visit into the home, ``VISIT``, is booked as the guide says)."""
    text = _SUPPOSED.sub(" ", _PROXY.sub(" ", text))
    safety = bool(_SAFETY_VISIT.search(text))
    if safety:
        text = _VISIT.sub(" ", text)
    return bool(_PROBLEM.search(text)) or (bool(_COME.search(text)) and not safety)


def _not_for_the_guide(text: str) -> bool:
    """Asking for an opinion, for a person to act on one's own case or where it has got to, a
    neighbour about theirs, a thing why it is against one, or whether a symptom needs a doctor:
    whatever it asks, no entry answers it."""
    return any(p.search(text) for p in _NOT_FOR_THE_GUIDE)


_NOT_FOR_THE_GUIDE = tuple(Prefiltered(p) for p in (OPINION, OWN_CASE, OWN_STATUS, OWN_DECISION, OWN_ADVICE, NEIGHBOURS,
                                                    RHETORICAL, HEALTH_ADVICE))
_PROCEDURE, _SUPPOSED, _PROXY, _SAFETY_VISIT, _VISIT, _PROBLEM, _COME, _SCAM_STORY = (
    Prefiltered(p) for p in (PROCEDURE, SUPPOSED, PROXY, SAFETY_VISIT, VISIT, PROBLEM, COME, SCAM_STORY))
_SCAM_NOT_ASKED = Prefiltered(SCAM_NOT_ASKED)
