"""Paints an order as a large touch card, and turns a tap on its button into an action.

Age shows by colour *and* by text (a marker and the minutes), for colour-blind baristas. The
card's button is 48 px high: a touch target for wet hands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, status_label
from expresso_desktop.sync.station_service import StationOrder
from expresso_desktop.ui.barista.queue_model import ORDER_ROLE

CARD = QSize(320, 200)
AMBER_AFTER_S, RED_AFTER_S = 5 * 60, 10 * 60
BUTTON_LABELS = {Action.START: "Start", Action.READY: "Done", Action.COLLECT: "Collected"}
BUTTON_COLOURS = {Action.START: "#2f6fb2", Action.READY: "#2e8b57", Action.COLLECT: "#6b3f24"}


def age_cue(age_s: float) -> tuple[str, QColor]:
    minutes = int(age_s // 60)
    if age_s >= RED_AFTER_S:
        return f"!! {minutes} min", QColor("#c0392b")
    if age_s >= AMBER_AFTER_S:
        return f"! {minutes} min", QColor("#d68910")
    return f"{minutes} min", QColor("#7a6252")


@dataclass(frozen=True, slots=True)
class CardTapped:
    """A card's big button was pressed: do ``action`` to ``order`` (as it was shown)."""

    order: StationOrder
    action: Action


class CardDelegate(QStyledItemDelegate):
    """Signals:
    tapped(CardTapped) — the card's big button was pressed
    """

    tapped = Signal(CardTapped)

    def __init__(self, menu: Menu, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._menu = menu
        self.now = datetime.now(UTC)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return CARD

    @staticmethod
    def button_rect(card: QRect) -> QRect:
        return QRect(card.left() + 12, card.bottom() - 58, card.width() - 24, 48)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        order: StationOrder = index.data(ORDER_ROLE)
        card = option.rect.adjusted(6, 6, -6, -6)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#6b3f24" if selected else "#e4d8cb"), 3 if selected else 1))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(card, 12, 12)

        inner = card.adjusted(14, 10, -14, -10)
        painter.setPen(QColor("#2b1d14"))
        painter.setFont(_font(26, bold=True))
        painter.drawText(
            inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, order.number
        )
        age_text, age_colour = age_cue(order.age_s(self.now))
        painter.setPen(age_colour)
        painter.setFont(_font(15, bold=True))
        painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, age_text)
        painter.setPen(QColor("#7a6252"))
        painter.setFont(_font(12, bold=True))
        status_rect = inner.adjusted(0, 26, 0, 0)
        status = status_label(order.status.value).upper()
        painter.drawText(
            status_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, status
        )

        painter.setPen(QColor("#2b1d14"))
        painter.setFont(_font(18))
        name_rect = QRect(inner.left(), inner.top() + 36, inner.width() - 90, 26)
        name = painter.fontMetrics().elidedText(
            order.customer_name or "walk-in", Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )

        y = inner.top() + 68
        painter.setFont(_font(14))
        for item in order.items[:3]:
            chip = QRect(inner.left(), y + 4, 14, 14)
            painter.setPen(QPen(QColor("#8a7565"), 1))
            painter.setBrush(QColor(self._menu.milk_colour(item.milk)))
            painter.drawEllipse(chip)
            painter.setPen(QColor("#2b1d14"))
            text_rect = QRect(inner.left() + 22, y, inner.width() - 22, 22)
            line = painter.fontMetrics().elidedText(
                item.summary(self._menu), Qt.TextElideMode.ElideRight, text_rect.width()
            )
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line
            )
            y += 22
        if len(order.items) > 3:
            painter.drawText(
                QRect(inner.left() + 22, y, inner.width(), 22), 0, f"+{len(order.items) - 3} more"
            )

        action = order.next_action
        if action is not None:
            button = self.button_rect(card)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(BUTTON_COLOURS[action]))
            painter.drawRoundedRect(button, 10, 10)
            painter.setPen(QColor("#ffffff"))
            painter.setFont(_font(18, bold=True))
            painter.drawText(button, Qt.AlignmentFlag.AlignCenter, BUTTON_LABELS[action])
        painter.restore()

    def editorEvent(
        self,
        event: QEvent,
        model: object,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            order: StationOrder = index.data(ORDER_ROLE)
            card = option.rect.adjusted(6, 6, -6, -6)
            action = order.next_action
            if action is not None and self.button_rect(card).contains(event.position().toPoint()):
                self.tapped.emit(CardTapped(order, action))
                return True
        return False


def _font(pixels: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font
