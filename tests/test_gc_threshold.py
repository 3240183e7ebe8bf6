"""The cycle collector's young generation (kernel/memory.py ``fewer_collections``): the running bot
collects it after 10,000 allocations, not CPython's 700 (bench/README "Ingest, ninth round");
a process that turned collection off keeps it off, and one that asked for more keeps that."""
from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kernel.memory import YOUNG_THRESHOLD, fewer_collections


@pytest.fixture
def threshold() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's default, whatever an earlier test's bot set
    yield
    gc.set_threshold(*before)


def test_the_running_bot_collects_young_objects_less_often(threshold, bot) -> None:  # type: ignore[no-untyped-def]
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # App.start set it


def test_the_older_generations_and_a_choice_made_elsewhere_are_kept(threshold) -> None:  # type: ignore[no-untyped-def]
    gc.set_threshold(700, 12, 13)
    fewer_collections()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 12, 13)
    gc.set_threshold(0, 12, 13)  # collection turned off
    fewer_collections()
    assert gc.get_threshold() == (0, 12, 13)
    gc.set_threshold(50_000, 10, 10)
    fewer_collections()
    assert gc.get_threshold() == (50_000, 10, 10)
