"""A few words naming a problem ("3单元电梯停运", "楼道灯不亮"): the subject (subjects.py)
plus the fault word the message uses, at most 12 characters."""
from __future__ import annotations

import re

from .subjects import subject

#: fault words as people write them -> the word shown (first match in the message wins)
FAULTS: tuple[tuple[str, str], ...] = (
    (r"(停运|不动了?|停在|卡在|卡住|困|关人|下不来|上不去|不运行|停了|罢工)", "停运"),
    (r"(不亮|黑漆漆|黑乎乎|一片黑|灯坏|闪)", "不亮"),
    (r"(漏水|渗水|滴水|往下滴|往外渗|渗漏|漏雨)", "漏水"),
    (r"(堵了|堵住|堵塞|不通|返水|倒灌|冒水|往外冒)", "堵塞"),
    (r"(漏气|燃气味|煤气味|气味|臭味|异味|味道)", "有异味"),
    (r"(停水|没水|水压低|水小)", "停水"),
    (r"(停电|没电|跳闸)", "停电"),
    (r"(不热|不暖|冰凉)", "不热"),
    (r"(打不开|关不上|锁不上|坏了|失灵|不好使|不灵)", "故障"),
    (r"(满了|没人收|溢出|堆)", "堆积"),
    (r"(占|堵着|挡着)", "被占"),
    (r"(丢了|没了|被偷)", "丢失"),
)
_FAULT_RX = [(re.compile(rx), word) for rx, word in FAULTS]
MAX_LEN = 12


def fault(text: str) -> str | None:
    for rx, word in _FAULT_RX:
        if rx.search(text):
            return word
    return None


def summary(text: str, about: str | None = None) -> str | None:
    """Subject + fault word ("3单元电梯停运"), the subject alone, or None when it names no object."""
    about = about if about is not None else subject(text)
    if about is None:
        return None
    word = fault(text)
    return (about + word if word else about)[:MAX_LEN]
