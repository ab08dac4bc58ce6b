"""Cycle collection on the main thread only (``app.main_thread_gc``)."""

from __future__ import annotations

import gc
import weakref

from pytestqt.qtbot import QtBot

from app.main_thread_gc import MainThreadGC, collect_if_due


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_timer_collects_cycles_that_automatic_collection_left(qtbot: QtBot) -> None:
    collector = MainThreadGC(interval_ms=10)
    try:
        assert not gc.isenabled()
        gc.collect()
        refs = [weakref.ref(_Cycle()) for _ in range(gc.get_threshold()[0] + 50)]
        assert all(r() is not None for r in refs)  # garbage only a cycle collection frees
        qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=5000)
    finally:
        collector.stop()
    assert gc.isenabled()
    gc.disable()  # the suite's own fixture switches it back on after the test


def test_nothing_is_collected_below_the_thresholds() -> None:
    gc.collect()
    assert collect_if_due() == 0
