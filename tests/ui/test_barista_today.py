"""The station's Today panel on a real replica synced with a real organiser (in process): its
hours, shifts and breaks in the event's time zone with now marked in words, and a shift the
organiser adds arriving with the next sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from expresso_desktop.services import schedule_views
from expresso_desktop.services.schedule_views import ShiftDraft
from expresso_desktop.ui.barista.today_panel import TodayPanel
from tests.sync.test_station_today import at, roster, staff_id
from tests.ui.artifacts import save_screenshot

from .station_parts import StationParts, side_area, station_parts


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[StationParts]:
    with station_parts(tmp_path, number=2) as station:
        roster(station.org, station.station_id)
        station.sync()
        yield station


def _texts(panel: TodayPanel) -> list[str]:
    return [label.text() for label in panel.findChildren(QLabel) if label.isVisibleTo(panel)]


def test_the_day_with_now_marked_follows_the_roster(
    qtbot: Any, parts: StationParts, tmp_path: Path
) -> None:
    panel = TodayPanel(
        replica=parts.node.replica, ops=parts.ops, signals=parts.signals, clock=lambda: at(9, 5)
    )
    area = side_area(panel, "Today")
    qtbot.addWidget(area)
    qtbot.waitUntil(lambda: panel.plan is not None)
    assert panel.day.text() == "Station 2 · Friday 1 March · times in Australia/Sydney"
    assert panel.now_line.text() == "○ Now 09:05 — closed, opens 09:15"  # Priya's break
    assert panel.hours.text() == "07:00–15:00"
    texts = _texts(panel)
    for expected in ("Priya", "07:00–11:00", "◐ On a break", "Break 09:00–09:15  ◀ now"):
        assert expected in texts
    assert texts[texts.index("Jo") : texts.index("Jo") + 3] == ["Jo", "Later", "10:30–15:00"]
    save_screenshot(area, "barista-today", tmp_path)

    # The organiser puts Sam on this station in the afternoon: it arrives with the next sync.
    services = parts.org.services
    sam = ShiftDraft(None, staff_id(parts.org, "Sam"), parts.station_id, at(12), at(14))
    services.writer.run_sync(lambda tx: schedule_views.save_shift_draft(tx, services.event_id, sam))
    parts.sync()
    qtbot.waitUntil(lambda: "Sam" in _texts(panel))
    assert panel.plan is not None and [s.staff_name for s in panel.plan.shifts] == [
        "Priya",
        "Jo",
        "Sam",
    ]
    qtbot.waitUntil(lambda: not panel.reads.busy)  # nothing lands after the test
