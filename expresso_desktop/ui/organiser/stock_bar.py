"""Stock items as a table with bars: the model (item, level bar, status in words, amount on
hand) and the delegate that draws a level as a bar — filled to the level against the par
level, a tick where the low mark sits, the fill's colour by state. The state is never colour
alone: the status column says it in words ("▲ LOW", "✕ OUT"), and the bar's tooltip and
accessible text give the amounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from expresso_desktop.services.stock_views import StockRow, quantity
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel

BAR_ROLE = Qt.ItemDataRole.UserRole + 10
TRACK = QColor("#efe6dc")
TRACK_EDGE = QColor("#cdbba8")
TICK = QColor("#2b1d14")
FILLS = {"ok": QColor("#4f7a35"), "low": QColor("#b8790f"), "out": QColor("#a1261c")}
BAR_HEIGHT = 14
MARGIN = 10


@dataclass(frozen=True, slots=True)
class Bar:
    """What a bar shows, as fractions of its length."""

    fill: float  # the level (0..1; nothing drawn at or below zero)
    low_mark: float | None  # where the low threshold sits; None without one
    state: str  # "ok" | "low" | "out"

    @classmethod
    def of(cls, level: float, par: float, low: float, state: str) -> Bar:
        """The bar's length is par (or the level or low mark when they are higher: an item
        restocked past par fills its bar, it does not overflow it)."""
        scale = max(par, level, low)
        if scale <= 0:
            return cls(0.0, None, state)
        fill = min(1.0, max(0.0, level / scale))
        return cls(fill, low / scale if low > 0 else None, state)


class StockBarDelegate(QStyledItemDelegate):
    """Paints the ``BAR_ROLE`` value (a ``Bar``) of its column."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        bar = index.data(BAR_ROLE)
        if not isinstance(bar, Bar):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
        )
        rect = QRectF(option.rect).adjusted(MARGIN, 0, -MARGIN, 0)
        track = QRectF(rect.left(), rect.center().y() - BAR_HEIGHT / 2, rect.width(), BAR_HEIGHT)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(TRACK_EDGE, 1))
        painter.setBrush(TRACK)
        painter.drawRoundedRect(track, 4, 4)
        if bar.fill > 0:
            filled = QRectF(
                track.left(), track.top(), max(4.0, track.width() * bar.fill), BAR_HEIGHT
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(FILLS.get(bar.state, FILLS["ok"]))
            painter.drawRoundedRect(filled, 4, 4)
        if bar.low_mark is not None:
            x = track.left() + track.width() * bar.low_mark
            painter.setPen(QPen(TICK, 2))
            painter.drawLine(int(x), int(track.top()) - 4, int(x), int(track.bottom()) + 4)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(180, BAR_HEIGHT + 2 * MARGIN)


class StockTableModel(KeyedTableModel[StockRow]):
    """Every item of every station (a proxy shows one station's, by ``STATION_ROLE``)."""

    HEADERS = ("Item", "Level", "Status", "On hand")
    STATION_ROLE = Qt.ItemDataRole.UserRole + 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.ID_ROLE:
            return row.id
        if role == self.STATION_ROLE:
            return str(row.station_id)
        if role == BAR_ROLE and column == 1:
            return Bar.of(row.level, row.par, row.low_threshold, row.state)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return _spoken(row) if column == 1 else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (row.label, "", row.state_word, row.amount)[column]


def _spoken(row: StockRow) -> str:
    low = f"; low at {quantity(row.low_threshold)} {row.unit}" if row.low_threshold else ""
    return f"{row.label}: {row.amount}{low} — {row.state_word}"
