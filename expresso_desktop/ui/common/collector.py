"""Python's cyclic garbage collector, run on the GUI thread only.

Qt objects must be destroyed on the thread that owns them. Python's automatic collector runs on
whichever thread happens to allocate when a threshold is crossed — often the service thread
(aiohttp, the writer) — and a Qt widget or model caught in a reference cycle is then destroyed
there, which crashes the process. So while a window is up, automatic collection is off and a
GUI-thread timer runs the same generational collection Python would have run.

A full collection walks every tracked object: some 200 ms of GUI time in an organiser holding a
10,000-order event, most of it spent on what start-up made (modules, classes, screens), which
lives as long as the app. So once start-up is over (``settle``) that is moved out of the
collector's sight (``gc.freeze``), and a full collection comes at most every ``FULL_EVERY_S``
(Python itself also spaces them out, by how much survived since the last one).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
FULL_EVERY_S = 30.0


class GuiThreadCollector(QObject):
    """Turns automatic collection off; collects on the GUI thread every ``INTERVAL_MS``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._last_full = time.monotonic()
        self._timer = QTimer(self, interval=INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose counts passed their thresholds, as Python would."""
        counts = gc.get_count()
        full_due = time.monotonic() - self._last_full >= FULL_EVERY_S
        for generation in (2, 1, 0):
            if generation == 2 and not full_due:
                continue
            if counts[generation] > self._thresholds[generation]:
                if generation == 2:
                    self._last_full = time.monotonic()
                return gc.collect(generation)
        return 0

    def settle(self) -> None:
        """Start-up is over: what it made lives as long as the app; a full collection need not
        walk it again (``gc.freeze``, after one last collection of start-up's garbage)."""
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()

    def stop(self) -> None:
        """Back to automatic collection (after a last full collection on this thread)."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()
