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
