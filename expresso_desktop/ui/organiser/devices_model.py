"""The paired devices as a read-only table: name, role, station, last seen, status (and when it
was paired, as the name's tooltip).

Rows are ``DeviceRow``s keyed by id and updated in place, so a refresh keeps the selection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from expresso_desktop.services.pairing import DeviceRow
from expresso_desktop.ui.common.cells_model import CellsTableModel

ROLE_LABELS = {"barista": "Barista", "display": "Display", "runner": "Runner"}
REVOKED_COLOUR = QColor("#9a8676")


def when(moment: datetime | None, *, now: datetime | None = None) -> str:
    """Local time; today's as HH:MM, older ones with the date."""
    if moment is None:
        return "never"
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b %H:%M")


class DevicesTableModel(CellsTableModel[DeviceRow]):
    HEADERS = ("Name", "Role", "Station", "Last seen", "Status")

    def cells(self, row: DeviceRow) -> tuple[Any, ...]:
        return (
            row.name,
            ROLE_LABELS.get(row.role, row.role),
            row.station or "—",
            when(row.last_seen),
            "active" if row.active else "revoked",
        )

    def cell(self, row: DeviceRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return REVOKED_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"Paired {when(row.paired_at)}"
        return super().cell(row, column, role)
