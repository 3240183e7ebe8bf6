"""Scoring one message against compiled rules: which keywords and patterns occur, which
rules fire, and what the scores add up to (category, urgent, evidence)."""
from __future__ import annotations

from dataclasses import dataclass

from mypy_extensions import mypyc_attr

from .compiler import CompiledRules
from .lexicon import Lexicon
from .rules import REQUEST_CATEGORIES, Scoring
from .subjects import subject

#: where each term occurs in the message: term key -> [(start, end), ...]
Hits = dict[str, list[tuple[int, int]]]
#: a rule that fired: (start, end, rule index, the text shown in evidence)
Fired = tuple[int, int, int, str]


# a plain Python class when compiled too: classification() below fills its __dict__ directly
@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Classification:
    category: str  # one of CATEGORIES codes
    urgent: bool
    evidence: tuple[str, ...]  # e.g. "repair:楼道灯(+3)", "cancel:修好了(-5)", "urgent:燃气味(+4)"
    score: float
    #: what the bot does with it in a building group: "sure" (ticket and public receipt), "unsure"
    #: (a private heads-up to a member, nothing public) or "none" (chatter). "" = from category.
    tier: str = ""
    #: the danger net fired (people in danger): members, grid worker and staff are told privately
    alert: bool = False
    danger: str | None = None  # which kind of danger (fire, gas, violence, fall, trapped ...)
    #: the object or place it is about (电梯, 3单元电梯, 楼道灯 ...), None when it names none
    subject: str | None = None
    #: a few words naming the problem, for people ("3单元电梯停运")
    summary: str | None = None
    #: the calibrated probability that it is a request (None: rules only)
    p_request: float | None = None

    def __post_init__(self) -> None:
        if not self.tier:
            object.__setattr__(self, "tier", "none" if self.category == "none" else "sure")

    @property
    def is_request(self) -> bool:
        """A sure request: what opens a ticket with a public receipt."""
        return self.tier == "sure"


_new = object.__new__


def classification(category: str, urgent: bool, evidence: tuple[str, ...], score: float, tier: str, alert: bool,
                   danger: str | None, subject: str | None, summary: str | None,
                   p_request: float | None) -> Classification:
    """``Classification(...)`` with every field given (``tier`` not empty), made without the frozen
    dataclass's ``__init__`` (one ``object.__setattr__`` per field: a fifth of the judge's time)."""
    c = _new(Classification)
    c.__dict__.update(category=category, urgent=urgent, evidence=evidence, score=score, tier=tier, alert=alert,
                      danger=danger, subject=subject, summary=summary, p_request=p_request)
    return c


def score(R: CompiledRules, tokens: list[str], lexicon: Lexicon | None, norm: str | None = None) -> Classification:
    """Classify a message already normalised and segmented (``norm`` = "".join(tokens), its text)."""
    if norm is None:
        norm = "".join(tokens)
    hits, literal_rules = _term_hits(R, norm, tokens)
    fired = _fired_terms(R, norm, hits) + _fired_patterns(R, norm, literal_rules)
    return _decide(R, norm, tokens, _counted(R, fired), lexicon)


def _term_hits(R: CompiledRules, norm: str, tokens: list[str]) -> tuple[Hits, set[int]]:
    """Every occurrence of every term (substrings: one Aho-Corasick pass; whole tokens by set),
    and the regex rules whose required literal occurs (found by the same pass)."""
    hits: Hits = {}
    literal_rules: set[int] = set()
    for end, (length, key, rx) in R.automaton.iter(norm):
        if key is not None:
            occ = hits.get(key)
            if occ is None:
                hits[key] = [(end + 1 - length, end + 1)]
            else:
                occ.append((end + 1 - length, end + 1))
        if rx:
            literal_rules.update(rx)
    if R.token_terms:
        pos = 0
        for tok in tokens:
            end = pos + len(tok)
            if tok in R.token_terms:
                hits.setdefault("=" + tok, []).append((pos, end))
            pos = end
    return hits, literal_rules


def _negated(norm: str, start: int, S: Scoring) -> bool:
    before = norm[max(0, start - S.negator_window):start]
    if not any(c in S.negators for c in before):
        return False
    head = norm[:start]
    return not any(head.endswith(q) for q in S.questions)


def _fired_terms(R: CompiledRules, norm: str, hits: Hits) -> list[Fired]:
    """Keyword rules whose terms all occur (not negated, for the groups that can be)."""
    S = R.settings
    rules = R.rules
    fired: list[Fired] = []
    single = R.single
    other = R.by_term_other
    cand: set[int] = set()
    for k, occ in hits.items():
        for idx, key in single.get(k, ()):  # one keyword, not negatable: its every occurrence
            fired.extend([(s, e, idx, key) for s, e in occ])
        got = other.get(k)
        if got:
            cand.update(got)
    negatable = S.negatable
    check_negation = bool(S.negator_window)
    for idx in cand:
        rule = rules[idx]
        negate = check_negation and rule.group in negatable
        first = None
        ok = True
        for t in rule.terms:
            found = hits.get(t.key)
            if found is None:
                ok = False
                break
            occ = found
            if negate:
                occ = [o for o in occ if not _negated(norm, o[0], S)]
                if not occ:
                    ok = False
                    break
            if first is None:
                first = occ
        if ok and first:
            if len(rule.terms) == 1:
                for s, e in first:
                    fired.append((s, e, idx, rule.key))
            else:
                fired.append((first[0][0], first[0][1], idx, rule.key))
    return fired


def _fired_patterns(R: CompiledRules, norm: str, literal_rules: set[int]) -> list[Fired]:
    """Regular-expression rules that match, searching only those whose required literal
    (``literal_rules``) or required characters occur."""
    rules = R.rules
    rx_cand = literal_rules
    rx_cand.update(R.regex_always)
    if R.regex_chars is not None:
        by_char = R.regex_by_char
        for ch in set(R.regex_chars.findall(norm)):
            rx_cand.update(by_char[ch])
    if not rx_cand:
        return []
    chars = set(norm)
    fired: list[Fired] = []
    for idx in sorted(rx_cand):
        rule = rules[idx]
        if rule.regex is None:
            continue
        for x in rule.also:
            if chars.isdisjoint(x):  # a part the pattern needs is missing: no search
                break
        else:
            m = rule.regex.search(norm)
            if m:
                fired.append((m.start(), m.end(), idx, m.group(0) or rule.key))
    return fired


def _counted(R: CompiledRules, fired: list[Fired]) -> dict[int, tuple[int, str]]:
    """The rules that count: rule index -> (first start, shown text).

    Within a group, a match strictly inside a longer keyword match of the same group does
    not count ("燃气味" beats "燃气"); a regular expression's span hides nothing, since a
    pattern like "楼上.{0,8}麻将" would otherwise swallow the keywords it spans."""
    rules = R.rules
    by_rule: dict[int, tuple[int, str]] = {}
    if not fired:
        return by_rule
    spans_by_group: dict[str, list[tuple[int, int, int]]] = {}
    for s, e, idx, _ in fired:
        rule = rules[idx]
        if rule.regex is None:
            spans_by_group.setdefault(rule.group, []).append((s, e, idx))
    for s, e, idx, shown in sorted(fired):
        if idx in by_rule:  # counted already (at an earlier place)
            continue
        group_spans = spans_by_group.get(rules[idx].group, ())
        if len(group_spans) > 1:
            width = e - s
            for s2, e2, i2 in group_spans:
                if s2 <= s and e <= e2 and (e2 - s2) > width and i2 != idx:
                    break  # inside a longer keyword of the same group: does not count here
            else:
                by_rule[idx] = (s, shown)
        else:
            by_rule[idx] = (s, shown)
    return by_rule


def _decide(R: CompiledRules, norm: str, tokens: list[str], by_rule: dict[int, tuple[int, str]],
            lexicon: Lexicon | None) -> Classification:
    """Scores into a category: the best topic, cue and cancel words, the urgent signal."""
    S = R.settings
    rules = R.rules
    n = len(norm)
    cat_scores = dict.fromkeys(REQUEST_CATEGORIES, 0.0)
    cue = cancel = urgent_score = 0.0
    evidence: list[tuple[int, str]] = []
    for idx, (s, shown) in by_rule.items():
        rule = rules[idx]
        g, w = rule.group, rule.weight
        if g == "cue":
            cue += w
        elif g == "cancel":
            cancel += w
        elif g in ("urgent", "calm"):
            urgent_score += w
        else:
            cat_scores[g] += w
        if w:  # zero-weight entries only stop shorter keywords; not worth showing
            evidence.append((s, rule.evidence if rule.regex is None else shown.join(rule.shown_as)))
    evidence.sort()

    best_score = max(cat_scores.values())
    for best in R.tie_sorted:
        if cat_scores[best] == best_score:
            break
    urgent_signal = urgent_score >= S.urgent_threshold
    total = best_score + min(cue, S.cue_max) + cancel + (S.urgent_bonus if urgent_signal else 0.0)
    if best in S.ask_only and (R.ask_rx is None or R.ask_rx.search(norm) is None):
        total -= S.ask_penalty
        evidence.append((n, f"ask:{best}(-{S.ask_penalty:g})"))
    if best_score >= S.min_topic and total >= S.threshold:
        category = best
    elif S.other_cue > 0 and best_score < S.min_topic and best_score + cue + cancel >= S.other_cue:
        # addressed to the community with a request, about nothing we have words for
        category = "other"
        total = best_score + cue + cancel
    else:
        category = "none"
    if category != "none" and S.lexicon_weight and lexicon is not None:
        category = _with_lexicon(lexicon, tokens, cat_scores, category, S.lexicon_weight, evidence, n)
    about = subject(norm)
    return classification(
        category, category != "none" and urgent_signal, tuple([e for _, e in evidence]), round(total, 3),
        "none" if category == "none" else "sure",
        urgent_signal,  # the rules' danger signal, request or not (the judge combines it)
        None, about, about, None)


def _with_lexicon(lexicon: Lexicon, tokens: list[str], cat_scores: dict[str, float], category: str,
                  weight: float, evidence: list[tuple[int, str]], n: int) -> str:
    """Where the rules are unsure (the best two categories within half of ``weight``, or no
    topic word), rule scores plus the lexicon's probability times ``weight`` choose."""
    ranked = sorted(cat_scores.values(), reverse=True)  # every request category has its score
    if category != "other" and ranked[0] - ranked[1] > weight / 2:
        return category
    p = lexicon.posterior(tokens)
    combined = {c: cat_scores.get(c, 0.0) + weight * p.get(c, 0.0) for c in REQUEST_CATEGORIES}
    best = max(combined, key=lambda c: (combined[c], -REQUEST_CATEGORIES.index(c)))
    if best != category:
        evidence.append((n, f"lexicon:{best}(p={p.get(best, 0.0):.2f})"))
    return best
