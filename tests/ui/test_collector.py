"""The GUI-thread collector: automatic collection is off while it runs, and it collects what
Python would have collected, on this thread."""

from __future__ import annotations

import gc
from typing import Any

from expresso_desktop.ui.common.collector import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collection_runs_on_the_gui_thread_only(qapp: Any) -> None:
    enabled_before = gc.isenabled()  # off already when the session's collector runs
    collector = GuiThreadCollector()
    try:
        assert not gc.isenabled()
        for _ in range(gc.get_threshold()[0] + 10):
            _Cycle()
        assert gc.get_count()[0] > gc.get_threshold()[0]  # nothing collected them meanwhile
        assert collector.collect_due() > 0
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled() is enabled_before


def test_after_start_up_a_full_pass_skips_what_start_up_made(qapp: Any) -> None:
    collector = GuiThreadCollector()
    try:
        lasting = [_Cycle() for _ in range(1000)]  # start-up's objects, kept for good
        collector.settle()
        assert gc.get_freeze_count() >= len(lasting)  # out of every later pass's sight
        assert not any(obj is lasting for obj in gc.get_objects())
        for _ in range(gc.get_threshold()[0] + 10):
            _Cycle()
        assert collector.collect_due() > 0  # what comes after is still collected
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.get_freeze_count() == 0  # stop thaws them: nothing is kept from collection
