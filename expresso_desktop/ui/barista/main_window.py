"""The barista station: the queue as large cards with one-tap actions, a connection indicator
with the changes waiting to sync, walk-ins and cancels. Works the same online and offline: every
tap is written to the local replica and its outbox at once (through the op runner, off the GUI
thread) and its card is redrawn from what was written.

The queue follows the sync: a round's ``ReplicaChanged`` re-reads only the cards of the orders
it names (everything only after a snapshot or a reset)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action
from expresso_desktop.core.sms.parser import SmsParser
from expresso_desktop.sync.events import LinkChanged, Notice, ReplicaChanged
from expresso_desktop.sync.station_service import (
    LinkStatus,
    StationOrder,
    StationService,
    StationView,
    Tapped,
)
from expresso_desktop.ui.barista.order_card import CardDelegate, CardTapped
from expresso_desktop.ui.barista.pair_box import PairBox
from expresso_desktop.ui.barista.queue_model import ORDER_ROLE, QueueModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

log = logging.getLogger(__name__)

TOUCH_PX = 48  # the smallest touch target on a station (wet hands, arm's length)


class SyncSignals(QObject):
    """Carries news from the sync loop's thread to the window (queued by Qt).

    Signals:
        replica_changed(ReplicaChanged) — a round, a snapshot or a tap changed these rows
        link_changed(LinkChanged) — the link to the organiser went up or down
        notice(Notice) — something the barista should read (a refusal, a recovery)
    """

    replica_changed = Signal(ReplicaChanged)
    link_changed = Signal(LinkChanged)
    notice = Signal(Notice)


class BaristaWindow(QMainWindow):
    """The station's window; its pairing form (``pair_box``) signals ``pair_requested``."""

    def __init__(
        self, *, service: StationService, ops: OpRunner, menu: Menu, signals: SyncSignals
    ) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Barista station")
        self.resize(1280, 800)
        self.service = service
        self._ops = ops
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
        for button in (self.walk_in_button, self.cancel_button):
            button.setMinimumHeight(TOUCH_PX)
        self.walk_in_button.clicked.connect(self.walk_in)
        self.cancel_button.clicked.connect(self.cancel_selected)
        actions = QHBoxLayout()
        actions.addWidget(self.walk_in_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)

        queue_area = QWidget()
        layout = QVBoxLayout(queue_area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.queue_view, 1)
        layout.addLayout(actions)

        # Side panels (Stock, Today, Chat, History): each a tab, added by its feature.
        self.side_panels = QTabWidget()
        self.side_panels.setObjectName("sidePanels")
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.addWidget(queue_area)
        self.body.addWidget(self.side_panels)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 1)
        self.side_panels.hide()  # shown once a panel is added

        station = QWidget()
        column = QVBoxLayout(station)
        column.addLayout(header)
        column.addWidget(self.body, 1)

        self.pair_box = PairBox()
        self.pages = QStackedWidget()
        self.pages.addWidget(station)
        self.pages.addWidget(self.pair_box)
        self.setCentralWidget(self.pages)

        # One read at a time, the orders named by the changes merged meanwhile (None = all).
        self.reads: SerialRead[str, StationView | Mapping[str, StationOrder | None]] = SerialRead(
            ops, self._read, self._apply, label="Reading the queue"
        )
        self._link_busy = False
        signals.replica_changed.connect(self.on_replica_changed)
        signals.link_changed.connect(self._on_link_changed)
        signals.notice.connect(self._on_notice)
        # Ages are display only: repaint the cards every 15 s; data arrives by push and taps.
        self._clock = QTimer(self, interval=15_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.refresh()

    def add_side_panel(self, panel: QWidget, title: str) -> None:
        """One side panel (a tab beside the queue): Stock, Today, Chat, History."""
        self.side_panels.addTab(panel, title)
        self.side_panels.show()

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read everything the window shows (start-up, after pairing)."""
        self.reads.want(None)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything:
            self.reads.want(None)
        elif changed.order_ids:
            self.reads.want(changed.order_ids)
        self.refresh_link()  # the pending count may have moved

    def _read(self, ids: frozenset[str] | None) -> StationView | Mapping[str, StationOrder | None]:
        return self.service.view() if ids is None else self.service.queue_orders(ids)

    def _apply(
        self, ids: frozenset[str] | None, result: StationView | Mapping[str, StationOrder | None]
    ) -> None:
        self.delegate.now = datetime.now(UTC)
        if isinstance(result, StationView):
            self.pages.setCurrentIndex(0 if result.link.paired else 1)
            self.model.update(result.queue)
            self._show_link(result.link)
            self.title.setText(result.label)
        else:
            self.model.patch(result)

    def refresh_link(self) -> None:
        if self._link_busy:
            return
        self._link_busy = True
        self._ops.query(
            self.service.link,
            on_done=self._show_link,
            on_finally=self._link_done,
            label="Link state",
        )

    def _link_done(self) -> None:
        self._link_busy = False

    def _on_link_changed(self, _change: LinkChanged) -> None:
        self.refresh_link()

    def _on_notice(self, notice: Notice) -> None:
        self.notice_label.setText(notice.message)

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
        self.refresh_link()

    # -- taps ----------------------------------------------------------------------------------
    def _on_tapped(self, tap: CardTapped) -> None:
        self._apply_tap(tap.order, tap.action)

    def _apply_tap(self, order: StationOrder, action: Action, reason: str | None = None) -> None:
        service = self.service
        self._ops.query(
            lambda: service.tap(order, action, reason=reason),
            on_done=self._tapped,
            on_error=self._refused,
            label=f"{action.value.capitalize()} {order.number}",
        )

    def _tapped(self, tapped: Tapped) -> None:
        self.notice_label.setText("")
        self.on_replica_changed(tapped.changed)  # its card now, not at the next sync round

    def _refused(self, failure: OpFailed) -> None:
        # A local refusal: say it on the screen, lose nothing.
        self.notice_label.setText(failure.text)

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
            self._apply_tap(order, Action.CANCEL, reason.strip() or "cancelled at the station")

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
        service, items, name = self.service, list(parsed.items), parsed.name
        self._ops.query(
            lambda: service.walk_in(items, name),
            on_done=self._walked_in,
            on_error=self._refused,
            label="Walk-in order",
        )

    def _walked_in(self, order_id: str) -> None:
        self.notice_label.setText("")
        self.on_replica_changed(ReplicaChanged(order_ids=frozenset({order_id})))

    def pairing_failed(self, message: str) -> None:
        self.pair_box.failed(message)


def _changes(count: int) -> str:
    return f"{count} change" if count == 1 else f"{count} changes"
