"""The barista station: the queue as large cards with one-tap actions, a connection indicator
with the changes waiting to sync, walk-ins and cancels. Works the same online and offline: every
tap is written to the local replica and its outbox at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QListView,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action
from expresso_desktop.core.sms.parser import SmsParser
from expresso_desktop.sync.station_service import LinkStatus, StationOrder, StationService
from expresso_desktop.ui.barista.order_card import CardDelegate
from expresso_desktop.ui.barista.pair_box import PairBox
from expresso_desktop.ui.barista.queue_model import ORDER_ROLE, QueueModel
from expresso_desktop.ui.common.widgets import plain_label

log = logging.getLogger(__name__)


class SyncSignals(QObject):
    """Carries news from the sync loop's thread to the window (queued by Qt)."""

    replica_changed = Signal()
    link_changed = Signal(bool, str)
    notice = Signal(str)


class BaristaWindow(QMainWindow):
    """Signals: pair_requested(server, code) — the pairing form was submitted."""

    pair_requested = Signal(str, str)

    def __init__(self, *, service: StationService, menu: Menu, signals: SyncSignals) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Barista station")
        self.resize(1280, 800)
        self.service = service
        self._parser = SmsParser(menu)

        self.title = plain_label("Barista station", object_name="title")
        self.link_label = plain_label()
        self.link_label.setWordWrap(False)
        self.link_label.setObjectName("link")
        self.notice_label = plain_label(object_name="subtitle")
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.link_label)

        self.model = QueueModel()
        self.delegate = CardDelegate(menu)
        self.queue_view = QListView()
        self.queue_view.setViewMode(QListView.ViewMode.IconMode)
        self.queue_view.setFlow(QListView.Flow.LeftToRight)
        self.queue_view.setWrapping(True)
        self.queue_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.queue_view.setMovement(QListView.Movement.Static)
        self.queue_view.setUniformItemSizes(True)
        self.queue_view.setGridSize(QSize(332, 212))
        self.queue_view.setModel(self.model)
        self.queue_view.setItemDelegate(self.delegate)
        self.delegate.tapped.connect(self._on_tapped)

        self.walk_in_button = QPushButton("Walk-in order")
        self.cancel_button = QPushButton("Cancel selected…")
        self.walk_in_button.clicked.connect(self.walk_in)
        self.cancel_button.clicked.connect(self.cancel_selected)
        actions = QHBoxLayout()
        actions.addWidget(self.walk_in_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)

        station = QWidget()
        layout = QVBoxLayout(station)
        layout.addLayout(header)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.queue_view, 1)
        layout.addLayout(actions)

        self.pair_box = PairBox()
        self.pair_box.pair_requested.connect(self.pair_requested)
        self.pages = QStackedWidget()
        self.pages.addWidget(station)
        self.pages.addWidget(self.pair_box)
        self.setCentralWidget(self.pages)

        signals.replica_changed.connect(self.refresh)
        signals.link_changed.connect(lambda _online, _detail: self.refresh())
        signals.notice.connect(self.notice_label.setText)
        # Ages are display only: repaint the cards every 15 s; data arrives by push and taps.
        self._clock = QTimer(self, interval=15_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.refresh()

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        link = self.service.link()
        self.pages.setCurrentIndex(0 if link.paired else 1)
        self.delegate.now = datetime.now(UTC)
        self.model.update(self.service.queue())
        self._show_link(link)
        self.title.setText(self.service.station_label())

    def _show_link(self, link: LinkStatus) -> None:
        if link.online and not link.pending:
            text, colour = "● Online", "#2e8b57"
        elif link.online:
            text, colour = f"● Online — sending {_changes(link.pending)}", "#2f6fb2"
        else:
            waited = ""
            if link.since is not None:
                minutes = int((datetime.now(UTC) - link.since).total_seconds() // 60)
                waited = f" for {minutes} min"
            text = f"● Offline{waited} — {_changes(link.pending)} waiting"
            colour = "#d68910"
        self.link_label.setText(text)
        self.link_label.setStyleSheet(f"color: {colour}; font-size: 18px; font-weight: 600;")
        if link.rejections:
            last = link.rejections[-1]
            self.notice_label.setText(f"The organiser refused {last.name}: {last.reason}")

    def _tick(self) -> None:
        self.delegate.now = datetime.now(UTC)
        self.model.touch_all()
        self._show_link(self.service.link())

    # -- taps ----------------------------------------------------------------------------------
    def _on_tapped(self, order: StationOrder, action: Action) -> None:
        self._apply(order, action)

    def _apply(self, order: StationOrder, action: Action, reason: str | None = None) -> None:
        try:
            self.service.tap(order, action, reason=reason)
        except Exception as exc:  # a local refusal: say it on the screen, lose nothing
            self.notice_label.setText(str(exc))
            return
        self.notice_label.setText("")
        self.refresh()

    def selected_order(self) -> StationOrder | None:
        index = self.queue_view.currentIndex()
        return index.data(ORDER_ROLE) if index.isValid() else None

    def cancel_selected(self) -> None:
        order = self.selected_order()
        if order is None:
            self.notice_label.setText("Select an order to cancel first.")
            return
        reason, ok = QInputDialog.getText(self, "Cancel order", f"Why cancel {order.number}?")
        if ok:
            self._apply(order, Action.CANCEL, reason.strip() or "cancelled at the station")

    def walk_in(self) -> None:
        text, ok = QInputDialog.getText(
            self, "Walk-in order", "Drink and name (e.g. large oat latte for Sam):"
        )
        if not ok or not text.strip():
            return
        parsed = self._parser.parse(text)
        if not parsed.items:
            self.notice_label.setText(f"Could not read a drink in “{text.strip()}”.")
            return
        try:
            self.service.walk_in(list(parsed.items), parsed.name)
        except Exception as exc:
            self.notice_label.setText(str(exc))
            return
        self.refresh()

    def pairing_failed(self, message: str) -> None:
        self.pair_box.failed(message)


def _changes(count: int) -> str:
    return f"{count} change" if count == 1 else f"{count} changes"
