"""The Orders screen's detail pane: one order's drinks (one line each, every modifier), its
timeline (what was done, when, by whom, from which device), its whole text thread with each
text's delivery state, and what the organiser can do to it: move (only to stations that can
make it now), cancel with a reason, re-notify, text the customer, mark VIP, undo the last step.

Every action is a service call through ``ops.write`` (initiator ``ui:orders``) as the organiser;
a refusal (it names the order and why) is shown in place, under the actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.actors import ORGANISER
from expresso_desktop.core.orders import OrderStatus, status_label
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.order_history import TimelineEntry
from expresso_desktop.services.order_views import OrderDetail, OrderReads
from expresso_desktop.services.text_settings import LiveTexts
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.message_log import LoggedText, MessageLog
from expresso_desktop.sms.outbound.manual import text_order
from expresso_desktop.sms.outbound.notifications import Texts, renotify
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

INITIATOR = "ui:orders"
TOUCH = 48  # px: touch targets
MIN_WIDTH = 540  # px: the actions' row of three buttons fits

ACTION_WORDS = {
    "placed": "placed",
    "start": "started",
    "ready": "marked ready",
    "collect": "collected",
    "cancel": "cancelled",
    "undo": "step undone",
    "move": "moved",
    "amend": "changed",
}
CLIENT_WORDS = {"organiser": "the organiser", "sms": "the customer's text", "lan": "the LAN API"}


@dataclass(frozen=True, slots=True)
class Shown:
    """What one read found for an order: its detail (None: gone) and its texts."""

    detail: OrderDetail | None
    thread: tuple[LoggedText, ...]


def timeline_line(entry: TimelineEntry) -> str:
    """ "10:42:05 · moved (Station 1 → Station 2) · by the organiser"."""
    when = entry.at.astimezone().strftime("%H:%M:%S")
    what = ACTION_WORDS.get(entry.action, entry.action)
    if entry.to_status and entry.action in ("placed", "undo"):
        what += f" → {status_label(entry.to_status)}"
    if entry.detail:
        what += f" ({entry.detail})"
    who = entry.staff or CLIENT_WORDS.get(entry.client_id, "a station")
    device = f" on {entry.device}" if entry.device else ""
    where = f" · Station {entry.station}" if entry.station is not None else ""
    return f"{when} · {what}{where} · by {who}{device}"


def thread_line(text: LoggedText) -> str:
    """A text with its direction and delivery state in words (never colour alone)."""
    when = text.created_at.astimezone().strftime("%H:%M")
    way = "← In" if text.direction == "in" else "→ Out"
    return f"{when} {way} · {text.kind_label} · {text.delivery.text}\n{text.body}"


@dataclass(frozen=True, slots=True)
class OrderTools:
    """What the Orders screen gives its detail pane to read and act with."""

    ops: OpRunner
    writer: Writer
    reads: OrderReads
    messages: MessageLog
    texts: LiveTexts
    bridge: ChangeBridge


class OrderDetailPane(QWidget):
    def __init__(self, tools: OrderTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderDetail")
        ops = self._ops = tools.ops
        self._writer, self._reads, self._texts = tools.writer, tools.reads, tools.texts
        self._messages = tools.messages
        self.order_id: str | None = None
        self.shown: OrderDetail | None = None
        self.placeholder = plain_label("Select an order to see its drinks, history and texts.")
        self.heading = plain_label(object_name="section")
        self.facts = plain_label(object_name="subtitle")
        self.items = plain_label()
        self.timeline = LineList("entry")
        self.texts_view = LineList("threadText")
        self._build_actions()
        self.error = plain_label(object_name="fieldError")
        self.result = plain_label(object_name="sectionResult")
        self.body = QWidget()
        self.body.setObjectName("orderDetailBody")
        self._build_layout()
        self.reads: SerialRead[str, dict[str, Shown]] = SerialRead(
            ops, self._read, self._apply, label="Reading the order"
        )
        tools.bridge.committed.connect(self._on_committed)
        self._show(None)

    # -- building ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.move_to = QComboBox()
        self.move_button = _button("Move", self._move)
        self.cancel_reason = QLineEdit(
            placeholderText="Why is it cancelled? (the customer is told)"
        )
        self.cancel_button = _button("Cancel order…", self._ask_cancel)
        self.confirm_cancel = _button("Yes, cancel it", self._cancel, object_name="danger")
        self.keep_order = _button("Keep it", self._keep, object_name="secondary")
        self.renotify_button = _button("Re-send “ready” text", self._renotify, "secondary")
        self.vip_button = _button("Mark VIP", self._toggle_vip, "secondary")
        self.undo_button = _button("Undo last step", self._undo, "secondary")
        self.message = QLineEdit(placeholderText="Text the customer…")
        self.send_button = _button("Send", self._send)
        for field in (self.move_to, self.cancel_reason, self.message):
            field.setMinimumHeight(TOUCH)
        self.message.returnPressed.connect(self._send)

    def _build_layout(self) -> None:
        column = QVBoxLayout(self.body)
        column.addWidget(self.heading)
        column.addWidget(self.facts)
        column.addWidget(_section("Drinks"))
        column.addWidget(self.items)
        column.addWidget(_section("Actions"))
        column.addLayout(_row(plain_label("Move to"), self.move_to, self.move_button))
        column.addLayout(_row(self.cancel_reason, self.cancel_button))
        column.addLayout(_row(self.confirm_cancel, self.keep_order))
        column.addLayout(_row(self.renotify_button, self.vip_button, self.undo_button))
        column.addLayout(_row(self.message, self.send_button))
        column.addWidget(self.error)
        column.addWidget(self.result)
        column.addWidget(_section("Timeline"))
        column.addWidget(self.timeline)
        column.addWidget(_section("Texts"))
        column.addWidget(self.texts_view)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        self.setMinimumWidth(MIN_WIDTH)
        layout.addWidget(self.placeholder)
        layout.addWidget(scroll, 1)
        self._scroll = scroll

    # -- reading ----------------------------------------------------------------------------
    def show_order(self, order_id: str) -> None:
        if order_id != self.order_id:
            self.order_id = order_id
            self.error.clear()
            self.result.clear()
            self._keep()
        self.reads.want({order_id})

    def _read(self, ids: frozenset[str] | None) -> dict[str, Shown]:
        return {i: Shown(self._reads.detail(i), self._messages.thread(i)) for i in ids or ()}

    def _apply(self, _ids: frozenset[str] | None, found: dict[str, Shown]) -> None:
        if self.order_id in found:
            shown = found[self.order_id]
            self._show(shown.detail)
            self._show_thread(shown.thread)

    def _on_committed(self, event: ChangesCommitted) -> None:
        """Its own changes, its texts' (new, delivered), a station's or stock's (where it
        could move) all re-read the order shown."""
        if self.order_id is None:
            return
        if (
            self.order_id in event.order_ids
            or event.messages_touched
            or event.station_ids
            or event.stock_item_ids
        ):
            self.reads.want({self.order_id})

    # -- showing ----------------------------------------------------------------------------
    def _show(self, detail: OrderDetail | None) -> None:
        self.shown = detail
        self.placeholder.setVisible(detail is None)
        self._scroll.setVisible(detail is not None)
        if detail is None:
            if self.order_id is not None:
                self.placeholder.setText("That order is no longer in the event.")
            return
        row = detail.row
        status = OrderStatus(row.status)
        vip = " · ★ VIP" if row.vip else ""
        name = f" · {row.customer_name}" if row.customer_name else ""
        self.heading.setText(f"Order {row.number}{name}{vip}")
        minutes = int((datetime.now(UTC) - row.created_at).total_seconds() // 60)
        facts = [status_label(row.status), row.station, f"came in {minutes} min ago"]
        if detail.cancel_reason:
            facts.append(f"reason: {detail.cancel_reason}")
        if not detail.has_phone:
            facts.append("no phone number (walk-in)")
        self.facts.setText(" · ".join(facts))
        lines = [f"• {item}" for item in detail.items]
        if detail.notes:
            lines.append(f"Note: {detail.notes}")
        self.items.setText("\n".join(lines))
        self.timeline.set_lines([timeline_line(e) for e in detail.timeline])
        self._show_actions(detail, status)

    def _show_actions(self, detail: OrderDetail, status: OrderStatus) -> None:
        not_made = status.rank < OrderStatus.READY.rank
        self.move_to.clear()
        for station_id, name in detail.move_targets:
            self.move_to.addItem(name, station_id)
        if not detail.move_targets:
            why = "No other station can make it now" if not_made else "Already made: stays put"
            self.move_to.addItem(why, None)
        self.move_to.setEnabled(bool(detail.move_targets))
        self.move_button.setEnabled(bool(detail.move_targets))
        live = not status.terminal
        self.cancel_button.setEnabled(live)
        self.cancel_reason.setEnabled(live)
        self.renotify_button.setEnabled(status is OrderStatus.READY and detail.has_phone)
        self.vip_button.setText("Remove VIP" if detail.row.vip else "Mark VIP ★")
        self.undo_button.setEnabled(status is not OrderStatus.NEW)
        self.message.setEnabled(detail.has_phone)
        self.send_button.setEnabled(detail.has_phone)

    def _show_thread(self, texts: tuple[LoggedText, ...]) -> None:
        self.texts_view.set_lines([thread_line(t) for t in texts] or ["No texts for this order."])

    # -- actions ----------------------------------------------------------------------------
    def _move(self) -> None:
        station_id = self.move_to.currentData()
        if station_id is None:
            return
        name, menu = self.move_to.currentText(), self._reads.menu
        self._write(
            "Move order",
            lambda tx, order_id: order_actions.move_order(
                tx, order_id, station_id, menu=menu, actor=ORGANISER
            ),
            done=f"Moved to {name}; the customer is texted where to go.",
        )

    def _ask_cancel(self) -> None:
        if not self.cancel_reason.text().strip():
            self.error.setText("Say why the order is cancelled: the customer is told.")
            self.cancel_reason.setFocus()
            return
        self.error.clear()
        self.confirm_cancel.show()
        self.keep_order.show()

    def _keep(self) -> None:
        self.confirm_cancel.hide()
        self.keep_order.hide()

    def _cancel(self) -> None:
        reason = self.cancel_reason.text().strip()
        self._keep()
        self._write(
            "Cancel order",
            lambda tx, order_id: orders.cancel_order(tx, order_id, reason, actor=ORGANISER),
            done="Cancelled; the customer is told why.",
            then=self.cancel_reason.clear,
        )

    def _renotify(self) -> None:
        texts = Texts(self._texts, self._reads.menu)

        def send(tx: Tx, order_id: str) -> str:
            row = renotify(tx, order_id=order_id, texts=texts)
            return "The “ready” text is queued again." if row else "Not ready: no text sent."

        self._write("Re-notify", send)

    def _toggle_vip(self) -> None:
        vip = not (self.shown is not None and self.shown.row.vip)
        self._write(
            "Mark VIP",
            lambda tx, order_id: order_actions.set_vip(tx, order_id, vip, actor=ORGANISER),
            done="Marked VIP: it goes first at its station." if vip else "No longer VIP.",
        )

    def _undo(self) -> None:
        self._write(
            "Undo",
            lambda tx, order_id: order_actions.undo_last(tx, order_id, actor=ORGANISER),
            done="The last step is undone.",
        )

    def _send(self) -> None:
        body = self.message.text()
        self._write(
            "Text the customer",
            lambda tx, order_id: text_order(tx, order_id, body, actor=ORGANISER),
            done="Queued; it goes out in turn.",
            then=self.message.clear,
        )

    def _write(
        self,
        label: str,
        fn: Callable[[Tx, str], Any],
        *,
        done: str | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        order_id = self.order_id
        if order_id is None:
            return
        self.error.clear()
        self.result.clear()

        def finished(value: Any) -> None:
            if order_id != self.order_id:
                return
            self.result.setText(done or str(value))
            if then is not None:
                then()

        self._ops.write(
            self._writer,
            lambda tx: fn(tx, order_id),
            initiator=INITIATOR,
            on_done=finished,
            on_error=self._refused,
            label=label,
        )

    def _refused(self, failure: OpFailed) -> None:
        self.error.setText(f"{failure.title}: {failure.text}")


class LineList(QWidget):
    """Lines of plain text, one label each, wrapping to the pane's width."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._object_name = object_name
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._labels: list[QLabel] = []

    def set_lines(self, lines: list[str]) -> None:
        while len(self._labels) > len(lines):
            self._labels.pop().deleteLater()
        while len(self._labels) < len(lines):
            label = plain_label(object_name=self._object_name)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._layout.addWidget(label)
            self._labels.append(label)
        for label, line in zip(self._labels, lines, strict=True):
            label.setText(line)

    def lines(self) -> list[str]:
        return [label.text() for label in self._labels]


def _button(text: str, slot: Callable[[], None], object_name: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setMinimumHeight(TOUCH)
    button.clicked.connect(slot)
    if object_name:
        button.setObjectName(object_name)
    return button


def _section(text: str) -> QWidget:
    return plain_label(text, object_name="section")


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget, 1 if isinstance(widget, QLineEdit | QComboBox) else 0)
    return row
