"""Python's cyclic garbage collector, run on the GUI thread only.

Qt objects must be destroyed on the thread that owns them. Python's automatic collector runs on
whichever thread happens to allocate when a threshold is crossed — often the service thread
(aiohttp, the writer) — and a Qt widget or model caught in a reference cycle is then destroyed
there, which crashes the process. So while a window is up, automatic collection is off and a
GUI-thread timer runs the same generational collection Python would have run.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Turns automatic collection off; collects on the GUI thread every ``INTERVAL_MS``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self, interval=INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose counts passed their thresholds, as Python would."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                return gc.collect(generation)
        return 0

    def stop(self) -> None:
        """Back to automatic collection (after a last full collection on this thread)."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
