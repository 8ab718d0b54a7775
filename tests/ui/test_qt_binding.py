"""The Qt binding itself, where a defect in it would take a station down mid-service.

PySide6 6.12.0 on CPython 3.11 dropped one reference to ``None`` on every Qt call returning
nothing (``setText``, ``update``…): after a few thousand taps and repaints the interpreter
aborted with "none_dealloc". pyproject.toml keeps that build out; this test says so if a newer
one brings the fault back."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel

CALLS = 2_000


def test_qt_calls_returning_nothing_keep_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for n in range(CALLS):
        label.setText(str(n % 10))  # each returns None to Python
        label.update()
    lost = before - sys.getrefcount(None)
    # Other threads may hold or drop a few references meanwhile; a faulty build loses 4,000.
    assert lost < CALLS // 10, f"{lost} references to None lost over {2 * CALLS} Qt calls"
