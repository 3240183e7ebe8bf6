"""What a message is about: the object or place (电梯, 3单元电梯, 楼道灯, 水箱 …), so that only
reports of the same problem are merged, and a ticket's problem can be named in a few words.

A first, small vocabulary: the object words people use for the building's parts and services,
longest first, each mapped to the name shown to people; a unit (3单元) or building part before it
narrows the place. ``subject(text)`` returns None when the message names no known object — such a
report is never merged into another.
"""
from __future__ import annotations

import re

#: what people write → the object's name (the first match, longest words first, wins)
OBJECTS: dict[str, str] = {
    "电梯": "电梯", "直梯": "电梯", "升降梯": "电梯",
    "楼道灯": "楼道灯", "楼梯灯": "楼道灯", "声控灯": "楼道灯", "感应灯": "楼道灯", "过道灯": "楼道灯",
    "路灯": "路灯",
    "水箱": "水箱", "水塔": "水箱",
    "水管": "水管", "自来水管": "水管", "供水管": "水管",
    "燃气": "燃气", "煤气": "燃气", "天然气": "燃气",
    "下水道": "下水道", "下水管": "下水道", "地漏": "下水道", "化粪池": "化粪池", "污水井": "下水道",
    "门禁": "门禁", "单元门": "单元门", "楼门": "单元门", "防盗门": "单元门", "大门": "小区大门",
    "屋顶": "屋顶", "楼顶": "屋顶", "天台": "屋顶", "外墙": "外墙",
    "垃圾桶": "垃圾", "垃圾站": "垃圾", "垃圾": "垃圾",
    "停车": "停车", "车位": "停车", "消防通道": "消防通道",
    "充电": "电动车充电", "电动车": "电动车充电",
    "停电": "供电", "没电": "供电", "电表": "电表", "电箱": "电箱",
    "停水": "供水", "没水": "供水", "水压": "供水",
    "暖气": "暖气", "供暖": "暖气",
    "井盖": "井盖", "窨井": "井盖",
    "信箱": "信箱", "扶手": "扶手", "栏杆": "扶手",
}
_OBJECT_RX = re.compile("|".join(sorted(map(re.escape, OBJECTS), key=len, reverse=True)))
_PLACE_RX = re.compile(r"([0-9一二三四五六七八九十]{1,3})(?:单元|号楼|栋|幢)")


def subject(text: str) -> str | None:
    """The object (and the unit or building part, when named) a message is about."""
    m = _OBJECT_RX.search(text)
    if m is None:
        return None
    name = OBJECTS[m.group()]
    place = _PLACE_RX.search(text)
    return f"{place.group()}{name}" if place else name


def same_subject(a: str | None, b: str | None) -> bool:
    """Two reports are about the same thing: the same object, and where both name a place, the
    same place ("电梯" joins "3单元电梯"; "2单元电梯" does not)."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    obj_a, obj_b = _PLACE_RX.sub("", a), _PLACE_RX.sub("", b)
    return obj_a == obj_b and (obj_a == a or obj_b == b)
