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
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel

ROLE_LABELS = {"barista": "Barista", "display": "Display", "runner": "Runner"}
REVOKED_COLOUR = QColor("#9a8676")


def when(moment: datetime | None, *, now: datetime | None = None) -> str:
    """Local time; today's as HH:MM, older ones with the date."""
    if moment is None:
        return "never"
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b %H:%M")


class DevicesTableModel(KeyedTableModel[DeviceRow]):
    HEADERS = ("Name", "Role", "Station", "Last seen", "Status")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return REVOKED_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return f"Paired {when(row.paired_at)}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return row.name
        if column == 1:
            return ROLE_LABELS.get(row.role, row.role)
        if column == 2:
            return row.station or "—"
        if column == 3:
            return when(row.last_seen)
        return "active" if row.active else "revoked"
