"""Small bar charts drawn with QPainter (QtCharts is not a dependency): columns for a series over
time (orders per hour) and horizontal bars for a ranking (popular drinks). Every bar carries its
number and its label in text, so nothing is read from colour or length alone; the chart's
accessible description lists the same figures for screen readers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR = QColor("#8a5a3b")  # the theme's coffee brown; text on the background stays dark
AXIS = QColor("#cdbba8")
TEXT = QColor("#2b1d14")
MUTED = QColor("#6b5444")  # 4.5:1 or better on the theme's warm white
PAD = 8
MAX_COLUMN = 56.0  # a lone hour is a column, not a wall


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int


class BarChart(QWidget):
    """Columns (``vertical=True``: label under each, value over it) or horizontal bars (label on
    the left, value at the bar's end). ``empty_text`` is shown when there is nothing to draw."""

    def __init__(
        self,
        *,
        vertical: bool,
        empty_text: str,
        accessible_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._vertical = vertical
        self._empty_text = empty_text
        self._bars: tuple[Bar, ...] = ()
        self.setAccessibleName(accessible_name)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def bars(self) -> tuple[Bar, ...]:
        return self._bars

    def set_bars(self, bars: Sequence[Bar]) -> None:
        bars = tuple(bars)
        if bars == self._bars:
            return
        self._bars = bars
        described = ", ".join(f"{b.label}: {b.value}" for b in bars)
        self.setAccessibleDescription(described or self._empty_text)
        self.setToolTip(described.replace(", ", "\n"))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        if self._vertical:
            return QSize(480, 8 * line)
        return QSize(300, max(3, len(self._bars)) * (line + 4) + 2 * PAD)

    def minimumSizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        if self._vertical:
            return QSize(240, 5 * line)
        return QSize(200, max(2, len(self._bars)) * (line + 2) + 2 * PAD)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(PAD, PAD, -PAD, -PAD)
        if not any(b.value for b in self._bars):
            painter.setPen(MUTED)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty_text
            )
        elif self._vertical:
            self._columns(painter, area)
        else:
            self._rows(painter, area)
        painter.end()

    def _columns(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        top = max(b.value for b in self._bars)
        plot = area.adjusted(0, line + 4, 0, -(line + 6))  # room for values above, labels below
        slot = plot.width() / len(self._bars)
        width = min(MAX_COLUMN, max(4.0, slot * 0.62))
        painter.setPen(AXIS)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        step = _label_step(metrics, self._bars, slot)
        for n, bar in enumerate(self._bars):
            centre = plot.left() + slot * (n + 0.5)
            height = plot.height() * bar.value / top
            rect = QRectF(centre - width / 2, plot.bottom() - height, width, height)
            painter.fillRect(rect, BAR)
            painter.setPen(TEXT)
            value = QRectF(centre - slot / 2, rect.top() - line - 2, slot, line)
            painter.drawText(value, Qt.AlignmentFlag.AlignCenter, str(bar.value))
            if n % step == 0:
                painter.setPen(MUTED)
                under = QRectF(centre - slot * step / 2, plot.bottom() + 4, slot * step, line)
                painter.drawText(under, Qt.AlignmentFlag.AlignCenter, bar.label)

    def _rows(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        top = max(b.value for b in self._bars)
        widest = max(metrics.horizontalAdvance(b.label) for b in self._bars)
        label_width = min(area.width() * 0.55, widest + PAD + 2.0)
        value_width = metrics.horizontalAdvance(str(top)) + PAD
        room = max(1.0, area.width() - label_width - value_width)
        pitch = min(area.height() / len(self._bars), line * 1.9)
        for n, bar in enumerate(self._bars):
            y = area.top() + pitch * n
            painter.setPen(TEXT)
            name = metrics.elidedText(
                bar.label, Qt.TextElideMode.ElideRight, math.ceil(label_width - PAD)
            )
            label = QRectF(area.left(), y, label_width - PAD, pitch)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, name
            )
            length = room * bar.value / top
            thickness = min(pitch * 0.7, line * 1.2)
            rect = QRectF(area.left() + label_width, y + (pitch - thickness) / 2, length, thickness)
            painter.fillRect(rect, BAR)
            value = QRectF(rect.right() + 4, y, value_width, pitch)
            painter.drawText(
                value, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, str(bar.value)
            )


def _label_step(metrics: QFontMetrics, bars: Sequence[Bar], slot: float) -> int:
    """Every label if they fit under their columns, else every second (third…) one."""
    widest = max(metrics.horizontalAdvance(b.label) for b in bars) + 6
    step = 1
    while widest > slot * step and step < len(bars):
        step += 1
    return step
