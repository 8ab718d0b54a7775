"""A card's ⋯ menu: what a barista can do to one order besides the next tap, as a touch sheet
(rows of 60 px) over the queue — Cancel with a reason (the customer is told), Move to a station
that can make it now, Re-notify (ready orders), Message the customer (templates or free text),
Print the cup label.

Everything it shows is read from the replica (``sync.card_actions``) when it opens; an action
that cannot be done now is shown disabled with why, never hidden without a word. Every tap
goes through the outbox (online or offline) and is announced on ``SyncSignals`` so the queue
and the panels redraw at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.sync_protocol import MAX_MESSAGE
from expresso_desktop.sync.card_actions import CANCEL_REASONS, CardActions, CardOptions
from expresso_desktop.sync.events import Notice, ReplicaChanged
from expresso_desktop.sync.replica import Replica
from expresso_desktop.ui.barista.label_printer import AutoPrint, LabelPrinter, label_printer
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.barista.order_card import CardMore
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label

ROW_PX = 60  # a touch row: wet hands, arm's length

_STYLE = """
QDialog#cardMenu { background: #faf6f0; }
QDialog#cardMenu QLabel#menuTitle { font-size: 24px; font-weight: 600; color: #4a2c1a; }
QDialog#cardMenu QLabel#menuHint { font-size: 15px; color: #6e5646; }
QDialog#cardMenu QLabel#menuError { font-size: 16px; font-weight: 600; color: #9b1c1c; }
QDialog#cardMenu QPushButton { font-size: 18px; text-align: left; padding: 8px 18px;
    min-height: 42px; }
QDialog#cardMenu QPushButton#choice { background: #ffffff; color: #2b1d14;
    border: 1px solid #cdbba8; }
QDialog#cardMenu QPushButton#choice:disabled { background: #f3ebe2; color: #8a7464; }
QDialog#cardMenu QPushButton#danger { background: #9b1c1c; text-align: center; }
QDialog#cardMenu QPushButton#primary { text-align: center; }
QDialog#cardMenu QPushButton#secondary { background: #efe6dc; color: #4a2c1a;
    border: 1px solid #cdbba8; text-align: center; }
QDialog#cardMenu QLineEdit, QDialog#cardMenu QPlainTextEdit { font-size: 18px; }
QDialog#cardMenu QLineEdit { min-height: 40px; }
"""


class MenuOrder(Protocol):
    """What the menu needs of a card's order (``StationOrder`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def number(self) -> str: ...

    @property
    def customer_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CardActed:
    """An action of the menu was recorded (``what``: "A042 moved to Garden Bar")."""

    order_id: str
    what: str
    changed: ReplicaChanged


class CardMenu(QDialog):
    """The ⋯ sheet for one order at a time (``open_for``); one instance serves every card.

    Signals:
        acted(CardActed) — an action was recorded (the sheet closes)
    """

    acted = Signal(CardActed)

    def __init__(
        self,
        actions: CardActions,
        ops: OpRunner,
        signals: SyncSignals,
        printer: LabelPrinter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cardMenu")
        self.setWindowTitle("Order actions")
        self.setStyleSheet(_STYLE)
        self.setMinimumWidth(600)
        self._actions, self._ops, self._signals, self._printer = actions, ops, signals, printer
        self.options: CardOptions | None = None

        self.title = plain_label(object_name="menuTitle")
        self.error = plain_label(object_name="menuError")
        self.pages = QStackedWidget()
        column = QVBoxLayout(self)
        column.setSpacing(10)
        column.addWidget(self.title)
        column.addWidget(self.pages, 1)
        column.addWidget(self.error)

        self._build_main()
        self._build_cancel()
        self._build_move()
        self._build_message()

    # -- pages -------------------------------------------------------------------------------
    def _build_main(self) -> None:
        self.main_page, layout = self._add_page()
        self.cancel_button = _choice("Cancel with reason…", lambda: self._go(self.cancel_page))
        self.move_button = _choice("Move to another station…", lambda: self._go(self.move_page))
        self.renotify_button = _choice("Re-notify the customer", self.renotify)
        self.message_button = _choice("Message the customer…", lambda: self._go(self.msg_page))
        self.print_button = _choice("Print label", self.print_label)
        for button in self._choices():
            layout.addWidget(button)
        self.why_not = plain_label(object_name="menuHint")
        layout.addWidget(self.why_not)
        _end_page(layout, _button("Close", self.reject, "secondary"))

    def _build_cancel(self) -> None:
        self.cancel_page, layout = self._add_page("Why? The customer is told.")
        self.reason_buttons: list[QPushButton] = []
        for reason in CANCEL_REASONS:
            button = _choice(_capital(reason), lambda _=False, r=reason: self.reason.setText(r))
            self.reason_buttons.append(button)
            layout.addWidget(button)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("…or type the reason")
        self.reason.setMaxLength(200)
        self.reason.setMinimumHeight(ROW_PX)
        self.reason.textChanged.connect(lambda _text: self.error.setText(""))
        layout.addWidget(self.reason)
        self.confirm_cancel = _button("Cancel the order", self.cancel_order, "danger")
        _end_page(layout, self._back_button(), self.confirm_cancel)

    def _build_move(self) -> None:
        self.move_page, layout = self._add_page("Move it to (only a station that can make it now):")
        self.targets = _rows(layout)
        _end_page(layout, self._back_button())

    def _build_message(self) -> None:
        self.msg_page, layout = self._add_page("Tap a text, change it if you like, send.")
        self.template_buttons = _rows(layout)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("…or type a text")
        self.body.setFixedHeight(ROW_PX * 2)
        self.body.textChanged.connect(self._count)
        self.count = plain_label(object_name="menuHint")
        layout.addWidget(self.body)
        layout.addWidget(self.count)
        self.send_button = _button("Send the text", self.send_message, "primary")
        _end_page(layout, self._back_button(), self.send_button)

    def _add_page(self, hint: str = "") -> tuple[QWidget, QVBoxLayout]:
        """A new page of the sheet (on its stack), headed by ``hint`` when given."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        if hint:
            layout.addWidget(plain_label(hint, object_name="menuHint"))
        self.pages.addWidget(page)
        return page, layout

    def _back_button(self) -> QPushButton:
        return _button("Back", self._back, "secondary")

    def _choices(self) -> tuple[QPushButton, ...]:
        """The main page's rows, in order."""
        return (
            self.cancel_button,
            self.move_button,
            self.renotify_button,
            self.message_button,
            self.print_button,
        )

    # -- opening -------------------------------------------------------------------------------
    def open_for(self, order: MenuOrder, at: QPoint | None = None) -> None:
        """Show the sheet for ``order`` (near ``at``, a global position, when given)."""
        self.options = None
        self.title.setText(f"{order.number} · {order.customer_name.split(' ')[0]}".strip(" ·"))
        self.error.setText("")
        self.why_not.setText("Reading…")
        self._set_enabled(False)
        self.pages.setCurrentWidget(self.main_page)
        if at is not None:
            self.move(at - QPoint(self.width() // 2, 40))
        self.open()
        actions, order_id = self._actions, order.id
        self._ops.query(
            lambda: actions.options(order_id),
            on_done=self._show,
            on_error=self._failed,
            label=f"Actions for {order.number}",
        )

    def _show(self, options: CardOptions) -> None:
        self.options = options
        self.title.setText(f"{options.number} · {options.label.name}".strip(" ·"))
        reasons = {
            self.cancel_button: options.why_no_cancel,
            self.move_button: options.why_no_move,
            self.renotify_button: options.why_no_renotify,
            self.message_button: options.why_no_message,
            self.print_button: None,
        }
        for button, why in reasons.items():
            button.setEnabled(why is None)
        self.why_not.setText(
            "\n".join(f"• {why}" for why in dict.fromkeys(reasons.values()) if why)
        )
        self._fill_targets(options)
        self._fill_templates(options)

    def _fill_targets(self, options: CardOptions) -> None:
        _clear(self.targets)
        for target in options.targets:
            why = target.why_not or ""
            said = why if why.startswith(target.name) else f"{target.name} — {why}"
            text = target.name if target.offered else said  # the reason names the station
            button = _choice(text, lambda _=False, t=target.station_id: self.move_to(t))
            button.setEnabled(target.offered)
            self.targets.addWidget(button)
        if not options.targets:
            self.targets.addWidget(
                plain_label("There is no other station.", object_name="menuHint")
            )

    def _fill_templates(self, options: CardOptions) -> None:
        _clear(self.template_buttons)
        for template in options.templates:
            button = _choice(
                template.title, lambda _=False, t=template.text: self.body.setPlainText(t)
            )
            self.template_buttons.addWidget(button)
        self.body.clear()

    def _count(self) -> None:
        length = len(self.body.toPlainText().strip())
        self.count.setText(f"{length} / {MAX_MESSAGE} characters" if length else "")
        self.send_button.setEnabled(0 < length <= MAX_MESSAGE)

    def _set_enabled(self, enabled: bool) -> None:
        for button in self._choices():
            button.setEnabled(enabled)

    def _go(self, page: QWidget) -> None:
        self.error.setText("")
        self.pages.setCurrentWidget(page)

    def _back(self) -> None:
        self._go(self.main_page)

    # -- actions ------------------------------------------------------------------------------
    def cancel_order(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.error.setText("Tap a reason or type one: the customer is told why.")
            return
        self._tap(lambda a, o: a.cancel(o.order_id, reason), "{n} cancelled: the customer is told")

    def move_to(self, station_id: int) -> None:
        options = self.options
        if options is None:
            return
        name = next((t.name for t in options.targets if t.station_id == station_id), "")
        self._tap(
            lambda a, o: a.move(o.order_id, station_id, o.assign_version), f"{{n}} moved to {name}"
        )

    def renotify(self) -> None:
        self._tap(lambda a, o: a.renotify(o.order_id), "{n}: the ready text is sent again")

    def send_message(self) -> None:
        body = self.body.toPlainText()
        self._tap(lambda a, o: a.message(o.order_id, body), "{n}: text queued for the customer")

    def print_label(self) -> None:
        if self.options is not None:
            self._printer.print_order(self.options.order_id)
            self.accept()

    def _tap(self, do: Callable[[CardActions, CardOptions], ReplicaChanged], what: str) -> None:
        options = self.options
        if options is None:
            return
        actions = self._actions
        words = what.format(n=options.number)
        self._ops.query(
            lambda: do(actions, options),
            on_done=lambda changed: self._acted(CardActed(options.order_id, words, changed)),
            on_error=self._failed,
            label=words,
        )

    def _acted(self, acted: CardActed) -> None:
        self._signals.replica_changed.emit(acted.changed)
        self._signals.notice.emit(Notice("done", acted.what))
        self.acted.emit(acted)
        self.accept()

    def _failed(self, failure: OpFailed) -> None:
        self.error.setText(failure.text)
        if self.options is None:
            self.why_not.setText("")


def _end_page(layout: QVBoxLayout, *buttons: QPushButton) -> None:
    """A page's foot: the room left, then its buttons side by side (Back first)."""
    layout.addStretch(1)
    layout.addLayout(_row(*buttons))


def _rows(layout: QVBoxLayout) -> QVBoxLayout:
    """A list of rows filled when the sheet opens (stations, templates), added to ``layout``."""
    rows = QVBoxLayout()
    rows.setSpacing(8)
    layout.addLayout(rows)
    return rows


def _button(text: str, slot: Callable[[], object], name: str) -> QPushButton:
    button = QPushButton(text)
    button.setMinimumHeight(ROW_PX)
    if name:
        button.setObjectName(name)
    button.clicked.connect(lambda _=False: slot())
    return button


def _choice(text: str, slot: Callable[..., object]) -> QPushButton:
    """A row to tap; ``text`` shown as written (an "&" is not a shortcut key)."""
    button = QPushButton(text.replace("&", "&&"))
    button.setObjectName("choice")
    button.setMinimumHeight(ROW_PX)
    button.clicked.connect(slot)
    return button


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(10)
    for widget in widgets:
        row.addWidget(widget, 1)
    return row


def _clear(layout: QVBoxLayout) -> None:
    while (item := layout.takeAt(0)) is not None:
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class CardTools(QObject):
    """What a card's ⋯ opens and what prints its label, built once for the station: the menu
    (one sheet for every card), the label printer, and auto-print on Start."""

    def __init__(
        self,
        replica: Replica,
        ops: OpRunner,
        signals: SyncSignals,
        *,
        printer: Callable[[], QPrinter] = label_printer,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.actions = CardActions(replica)
        self.labels = LabelPrinter(
            self.actions, ops, printer=printer, on_notice=signals.notice.emit
        )
        self.menu = CardMenu(self.actions, ops, signals, self.labels, parent)
        self.auto_print = AutoPrint(self.actions, ops, self.labels)
        signals.replica_changed.connect(self.auto_print.on_replica_changed)

    def open_menu(self, more: CardMore) -> None:
        self.menu.open_for(more.order, more.at)
