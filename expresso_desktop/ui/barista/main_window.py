"""The barista station: the queue as large cards with one-tap actions (lanes or a grid), the
all-day strip with batch taps, Undo for 10 s, full keyboard / bump-bar operation, a chime for
each new order, and a status bar with the link, the barista and the last refusal. Works the
same online and offline: every tap is written to the local replica and its outbox at once
(through the op runner, off the GUI thread) and its card is redrawn from what was written.

The queue follows the sync: a round's ``ReplicaChanged`` re-reads only the cards of the orders
it names (everything only after a snapshot or a reset); the header and status bar re-read in
one small query of their own.

Keys (a KDS bump bar sends keystrokes): 1–9 and 0 select the card carrying that number, the
arrows move the selection, Enter or Space bumps the selected card (its big button), U undoes
the last tap while its Undo bar shows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.orders import Action, OrderStatus, transition
from expresso_desktop.sync.events import LinkChanged, Notice, ReplicaChanged
from expresso_desktop.ui.barista.opening import opening_page
from expresso_desktop.ui.common.widgets import plain_label

if TYPE_CHECKING:  # the queue and the sync load after the first frame (``attach``)
    from expresso_desktop.core.menu import Menu
    from expresso_desktop.settings import AppPaths
    from expresso_desktop.sync.replica import Replica
    from expresso_desktop.sync.station_component import StationSync
    from expresso_desktop.sync.station_options import StationOptions
    from expresso_desktop.sync.station_service import (
        BatchTapped,
        Layout,
        LinkStatus,
        StationHeader,
        StationOrder,
        StationPrefs,
        StationService,
        StationStatus,
        StationView,
        Tapped,
    )
    from expresso_desktop.ui.barista.all_day import BatchRequested, DrinksPicked
    from expresso_desktop.ui.barista.order_card import CardPicked, CardTapped
    from expresso_desktop.ui.barista.snackbar import UndoRequested
    from expresso_desktop.ui.common.ops import OpFailed, OpRunner
    from expresso_desktop.ui.common.service_host import ServiceHost

log = logging.getLogger(__name__)

TOUCH_PX = 56  # the smallest touch target on a station (wet hands, arm's length)
DIGITS = {getattr(Qt.Key, f"Key_{n}"): (n - 1) % 10 for n in range(10)}  # 1 → 0 … 0 → 9
BUMP_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
TYPING = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)


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


def start_sync(
    host: ServiceHost,
    replica: Replica,
    paths: AppPaths,
    options: StationOptions,
    signals: SyncSignals,
) -> StationSync:
    """A station's sync on ``host``'s loop, telling ``signals`` (queued to the GUI thread) of
    each round, notice and link change; a sync that cannot start is a notice too."""
    from expresso_desktop.sync.station_component import StationSync

    sync = StationSync(
        replica,
        paths,
        options,
        on_round=signals.replica_changed.emit,
        on_notice=signals.notice.emit,
        on_status=signals.link_changed.emit,
    )

    def started(future: Future[None]) -> None:
        if (error := future.exception()) is not None:
            signals.notice.emit(Notice("sync", str(error)))

    host.start_component(sync).add_done_callback(started)
    return sync


class BaristaWindow(QMainWindow):
    """The station's window; its pairing form (``pair_box``) signals ``pair_requested``, a
    card's "⋯" is ``delegate.more``.

    Shown first as a shell ("Opening the station…": its first frame needs neither the replica
    nor the sync); ``attach`` then builds the queue, the header and the status bar."""

    def __init__(
        self,
        *,
        service: StationService | None = None,
        ops: OpRunner | None = None,
        menu: Menu | None = None,
        signals: SyncSignals | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Barista station")
        self.resize(1280, 800)
        self.setCentralWidget(
            opening_page("Barista station", "Opening the station…", object_name="station")
        )
        self.statusBar().showMessage("Opening the station…")
        if service is not None and ops is not None and menu is not None and signals is not None:
            self.attach(service=service, ops=ops, menu=menu, signals=signals)

    def attach(
        self, *, service: StationService, ops: OpRunner, menu: Menu, signals: SyncSignals
    ) -> None:
        """Build the station on its service (once): the queue, the header, the status bar."""
        from expresso_desktop.core.sms.parser import SmsParser
        from expresso_desktop.sync.station_service import StationHeader, StationPrefs
        from expresso_desktop.ui.barista.all_day import AllDayStrip
        from expresso_desktop.ui.barista.order_card import CardDelegate
        from expresso_desktop.ui.barista.pair_box import PairBox
        from expresso_desktop.ui.barista.queue_board import QueueBoard
        from expresso_desktop.ui.barista.queue_model import QueueModel
        from expresso_desktop.ui.barista.snackbar import UndoBar
        from expresso_desktop.ui.barista.sound import Chime
        from expresso_desktop.ui.common.ops import SerialRead

        self.service = service
        self._ops = ops
        self._parser = SmsParser(menu)
        self.header = StationHeader("Barista station")
        self.prefs = StationPrefs()
        self.chime = Chime(self)
        self._known: set[str] = set()  # orders seen: a new one rings the chime
        self._mine: set[str] = set()  # walk-ins made here: no chime for those

        self.model = QueueModel()
        self.delegate = CardDelegate()
        self.delegate.tapped.connect(self._on_tapped)
        self.delegate.picked.connect(self._on_picked)
        self.board = QueueBoard(self.model, self.delegate)
        self.all_day = AllDayStrip(menu)
        self.all_day.picked.connect(self._on_drinks_picked)
        self.all_day.batch.connect(self._on_batch)
        self.undo_bar = UndoBar()
        self.undo_bar.undo_requested.connect(self._on_undo)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.dataChanged):
            signal.connect(self._queue_moved)
        self._counts_due = False

        queue_area = QWidget()
        layout = QVBoxLayout(queue_area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.all_day)
        layout.addWidget(self.board, 1)
        layout.addWidget(self.undo_bar)

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
        station.setObjectName("station")
        column = QVBoxLayout(station)
        column.addLayout(self._build_header())
        column.addWidget(self.body, 1)

        self.pair_box = PairBox()
        self.pages = QStackedWidget()
        self.pages.addWidget(station)
        self.pages.addWidget(self.pair_box)
        self.setCentralWidget(self.pages)
        self._build_status_bar()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        # One read at a time, the orders named by the changes merged meanwhile (None = all).
        self.reads: SerialRead[str, StationView | Mapping[str, StationOrder | None]] = SerialRead(
            ops, self._read, self._apply, label="Reading the queue"
        )
        self._status_busy = self._status_again = False
        self._signals = signals
        signals.replica_changed.connect(self.on_replica_changed)
        signals.link_changed.connect(self._on_link_changed)
        signals.notice.connect(self._on_notice)
        # Ages are display only: repaint the cards every 15 s; data arrives by push and taps.
        self._clock = QTimer(self, interval=15_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.refresh()

    def _build_header(self) -> QHBoxLayout:
        self.title = plain_label("Barista station", object_name="title")
        self.title.setWordWrap(False)
        self.barista_label = plain_label(object_name="headerFact")
        self.wait_label = plain_label(object_name="headerFact")
        for label in (self.barista_label, self.wait_label):
            label.setWordWrap(False)
        self.lanes_button = QPushButton("Lanes")
        self.grid_button = QPushButton("Grid")
        self._layout_buttons = QButtonGroup(self)
        for button, name in ((self.lanes_button, "lanes"), (self.grid_button, "grid")):
            button.setObjectName("segment")
            button.setCheckable(True)
            self._layout_buttons.addButton(button)
            button.clicked.connect(lambda _=False, n=name: self.choose_layout(n))
        self.lanes_button.setChecked(True)
        self.sound_button = QPushButton("Sound on")
        self.sound_button.setObjectName("segment")
        self.sound_button.setCheckable(True)
        self.sound_button.clicked.connect(lambda: self.set_muted(not self.prefs.muted))
        self.walk_in_button = QPushButton("Walk-in order")
        self.cancel_button = QPushButton("Cancel selected…")
        self.cancel_button.setObjectName("secondary")
        self.walk_in_button.clicked.connect(self.walk_in)
        self.cancel_button.clicked.connect(self.cancel_selected)
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(self.title)
        header.addSpacing(8)
        header.addWidget(self.barista_label)
        header.addWidget(self.wait_label)
        header.addStretch(1)
        # How the queue looks and sounds sits in the display toolbar (display_settings.py), so
        # the header fits 1280 px at every font scale: at 150 % it clipped "Lanes" to ".anes".
        self.view_buttons = (self.lanes_button, self.grid_button, self.sound_button)
        for button in (*self.view_buttons, self.walk_in_button, self.cancel_button):
            button.setMinimumHeight(TOUCH_PX)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the queue
        header.addWidget(self.walk_in_button)
        header.addWidget(self.cancel_button)
        return header

    def _build_status_bar(self) -> None:
        self.link_label = plain_label()
        self.link_label.setWordWrap(False)
        self.link_label.setObjectName("link")
        self.barista_status = plain_label(object_name="statusFact")
        self.barista_status.setWordWrap(False)
        self.notice_label = plain_label(object_name="notice")
        self.notice_label.setWordWrap(False)
        bar = QStatusBar()
        bar.setObjectName("stationStatus")
        bar.setSizeGripEnabled(False)
        bar.addWidget(self.link_label)
        bar.addWidget(self.barista_status)
        bar.addWidget(self.notice_label, 1)
        self.setStatusBar(bar)

    def add_side_panel(self, panel: QWidget, title: str) -> None:
        """One side panel (a tab beside the queue): Stock, Today, Chat, History."""
        self.side_panels.addTab(panel, title)
        self.side_panels.show()

    def add_side_panel_later(self, build: Callable[[], QWidget], title: str) -> LaterPanel:
        """A side panel built when its tab is first opened (or ``built()`` is asked)."""
        page = LaterPanel(build)
        self.add_side_panel(page, title)
        return page

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read everything the window shows (start-up, after pairing)."""
        self.reads.want(None)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything:
            self.reads.want(None)
        elif changed.order_ids:
            self.reads.want(changed.order_ids)
        self.refresh_link()  # the pending count, the wait, settings may have moved

    def _read(self, ids: frozenset[str] | None) -> StationView | Mapping[str, StationOrder | None]:
        return self.service.view() if ids is None else self.service.queue_orders(ids)

    def _apply(
        self, ids: frozenset[str] | None, result: StationView | Mapping[str, StationOrder | None]
    ) -> None:
        from expresso_desktop.sync.station_service import StationView

        self.delegate.now = datetime.now(UTC)
        if isinstance(result, StationView):
            self.pages.setCurrentIndex(0 if result.link.paired else 1)
            self._show_header(result.header)
            self._show_prefs(result.prefs)
            self.model.update(result.queue)
            self._known = {o.id for o in result.queue}
            self._show_link(result.link)
            self.delegate.forget({o.id for o in result.queue})
        else:
            arrived = [
                o
                for o in result.values()
                if o is not None and o.id not in self._known and o.status is OrderStatus.NEW
            ]
            self.model.patch(result)
            self._known.update(o.id for o in result.values() if o is not None)
            if any(o.id not in self._mine for o in arrived):
                self._new_order_arrived()

    def _new_order_arrived(self) -> None:
        if self.header.sound and not self.prefs.muted:
            self.chime.ring()

    def refresh_link(self) -> None:
        """Re-read the header and status bar (one at a time; one more if asked meanwhile)."""
        if self._status_busy:
            self._status_again = True
            return
        self._status_busy = True
        self._ops.query(
            self.service.status,
            on_done=self._show_status,
            on_finally=self._status_done,
            label="Station status",
        )

    def _status_done(self) -> None:
        self._status_busy = False
        if self._status_again:
            self._status_again = False
            self.refresh_link()

    def _show_status(self, status: StationStatus) -> None:
        self._show_header(status.header)
        self._show_link(status.link)

    def _show_header(self, header: StationHeader) -> None:
        changed_ages = (header.amber_after_s, header.red_after_s) != (
            self.delegate.amber_s,
            self.delegate.red_s,
        )
        self.header = header
        self.title.setText(header.label)
        who = f"Barista: {header.barista}" if header.barista else "No barista logged in"
        self.barista_label.setText(who)
        self.barista_status.setText(who)
        self.wait_label.setText(header.wait_text)
        self.delegate.amber_s, self.delegate.red_s = header.amber_after_s, header.red_after_s
        self.delegate.set_colours(header.milk_colours)
        self.sound_button.setEnabled(header.sound)
        self.sound_button.setToolTip("" if header.sound else "This station's sound is set off")
        self._show_sound()
        if changed_ages:
            self.board.repaint_cards()

    def _on_link_changed(self, _change: LinkChanged) -> None:
        self.refresh_link()

    def _on_notice(self, notice: Notice) -> None:
        self.notice_label.setText(notice.message)

    def _show_link(self, link: LinkStatus) -> None:
        if link.online and not link.pending:
            text, state = "● Online", "online"
        elif link.online:
            text, state = f"● Online — sending {_changes(link.pending)}", "sending"
        else:
            waited = ""
            if link.since is not None:
                minutes = int((datetime.now(UTC) - link.since).total_seconds() // 60)
                waited = f" for {minutes} min" if minutes else ""
            text, state = f"● Offline{waited} — {_changes(link.pending)} waiting", "offline"
        self.link_label.setText(text)
        if self.link_label.property("state") != state:
            self.link_label.setProperty("state", state)
            self.link_label.style().unpolish(self.link_label)
            self.link_label.style().polish(self.link_label)
        if link.rejections:
            last = link.rejections[-1]
            self.notice_label.setText(f"Refused by the organiser: {last.reason}")

    def _tick(self) -> None:
        self.delegate.now = datetime.now(UTC)
        self.board.repaint_cards()
        self.refresh_link()

    # -- layout and sound (remembered in the replica) ------------------------------------------
    def choose_layout(self, layout: Layout) -> None:
        self._save_prefs(replace(self.prefs, layout=layout))

    def set_muted(self, muted: bool) -> None:
        self._save_prefs(replace(self.prefs, muted=muted))

    def _save_prefs(self, prefs: StationPrefs) -> None:
        self._show_prefs(prefs)
        service = self.service
        self._ops.query(lambda: service.save_prefs(prefs), label="Remember the layout")

    def _show_prefs(self, prefs: StationPrefs) -> None:
        self.prefs = prefs
        self.board.show_layout(prefs.layout)
        (self.lanes_button if prefs.layout == "lanes" else self.grid_button).setChecked(True)
        self._show_sound()

    def _show_sound(self) -> None:
        if not self.header.sound:
            text, on = "Sound off", False  # the station's setting: the organiser's choice
        else:
            on = not self.prefs.muted
            text = "Sound on" if on else "Muted"
        self.sound_button.setText(text)
        self.sound_button.setChecked(on)

    # -- selection and keys --------------------------------------------------------------------
    def selected_order(self) -> StationOrder | None:
        key = self.delegate.marks.selected
        return self.model.order(key) if key is not None else None

    def select(self, order: StationOrder | None) -> None:
        before = self.delegate.marks.selected
        self.delegate.marks.selected = order.id if order is not None else None
        self.model.touch({k for k in (before, self.delegate.marks.selected) if k is not None})
        if order is not None:
            self.board.reveal(order.id)

    def _on_picked(self, picked: CardPicked) -> None:
        self.select(picked.order)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if isinstance(QApplication.focusWidget(), TYPING) or not self._key(Qt.Key(event.key())):
            super().keyPressEvent(event)

    def _key(self, key: Qt.Key) -> bool:
        """Handle a queue key; False for one the queue does not use."""
        if key in DIGITS:
            order = self.board.at(DIGITS[key])
            if order is not None:
                self.select(order)
        elif key in BUMP_KEYS:
            order = self.selected_order()
            if order is not None and order.next_action is not None:
                self._apply_tap(order, order.next_action)
        elif key == Qt.Key.Key_U:
            self.undo_bar.undo()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Left, Qt.Key.Key_Down, Qt.Key.Key_Right):
            self._move_selection(-1 if key in (Qt.Key.Key_Up, Qt.Key.Key_Left) else 1)
        else:
            return False
        return True

    def _move_selection(self, step: int) -> None:
        count = self.board.count()
        if not count:
            return
        current = self.delegate.marks.selected
        at = self.board.position_of(current) if current is not None else None
        position = 0 if at is None else max(0, min(count - 1, at + step))
        self.select(self.board.at(position))

    # -- taps ----------------------------------------------------------------------------------
    def _on_tapped(self, tap: CardTapped) -> None:
        self._apply_tap(tap.order, tap.action)

    def _apply_tap(self, order: StationOrder, action: Action, reason: str | None = None) -> None:
        service = self.service
        self._show_tap(order, action)
        self._ops.query(
            lambda: service.tap(order, action, reason=reason),
            on_done=self._tapped,
            on_error=lambda failure: self._tap_refused(order, failure),
            label=f"{action.value.capitalize()} {order.number}",
        )

    def _show_tap(self, order: StationOrder, action: Action) -> None:
        """The card as the tap leaves it, in this frame: the outbox write and the re-read
        follow off the GUI thread and then confirm it (or put it back, if it was refused)."""
        from expresso_desktop.sync.station_orders import QUEUE_STATUSES

        try:
            after = transition(order.status, action)
        except IllegalTransition:
            return  # the tap's own refusal says why
        shown = after.value in QUEUE_STATUSES
        self.model.patch({order.id: replace(order, status=after) if shown else None})

    def _tap_refused(self, order: StationOrder, failure: OpFailed) -> None:
        self._refused(failure)
        self.reads.want({order.id})  # the card as it really is

    def _tapped(self, tapped: Tapped) -> None:
        self.notice_label.setText("")
        if tapped.undo is not None:
            self.undo_bar.offer((tapped.undo,))
        self._changed_here(tapped.changed)

    def _refused(self, failure: OpFailed) -> None:
        # A local refusal: say it on the screen, lose nothing.
        self.notice_label.setText(failure.text)

    def _on_undo(self, request: UndoRequested) -> None:
        service, tickets = self.service, request.tickets
        self._ops.query(
            lambda: service.undo_all(tickets),
            on_done=lambda done: self._batch_done(done, offer_undo=False),
            on_error=self._refused,
            label="Undo",
        )

    # -- the all-day strip and batches ---------------------------------------------------------
    def _queue_moved(self) -> None:
        if not self._counts_due:  # once per burst of model signals
            self._counts_due = True
            QTimer.singleShot(0, self._recount)

    def _recount(self) -> None:
        self._counts_due = False
        self.all_day.show_counts(self.model.pending)
        if self.all_day.selected():
            self._mark_batch(self.all_day.selected())

    def _on_drinks_picked(self, picked: DrinksPicked) -> None:
        self._mark_batch(picked.keys)

    def _mark_batch(self, keys: frozenset[tuple[str, str]]) -> None:
        from expresso_desktop.ui.barista.queue_model import drink_keys

        chosen = frozenset(o.id for o in self.model.orders() if keys and keys & set(drink_keys(o)))
        before = self.delegate.marks.batch
        if chosen != before:
            self.delegate.marks.batch = chosen
            self.model.touch(set(before ^ chosen))
        statuses = [o.status for o in self._batch_orders()]
        self.all_day.show_batch(
            statuses.count(OrderStatus.NEW), statuses.count(OrderStatus.IN_PROGRESS)
        )

    def _batch_orders(self) -> list[StationOrder]:
        found = (self.model.order(key) for key in self.delegate.marks.batch)
        return sorted((o for o in found if o is not None), key=lambda o: o.queue_key)

    def _on_batch(self, request: BatchRequested) -> None:
        wanted = OrderStatus.NEW if request.action is Action.START else OrderStatus.IN_PROGRESS
        orders = [o for o in self._batch_orders() if o.status is wanted]
        service, action = self.service, request.action
        self._ops.query(
            lambda: service.tap_many(orders, action),
            on_done=self._batch_done,
            on_error=self._refused,
            label=f"{action.value.capitalize()} {len(orders)} orders",
        )

    def _batch_done(self, done: BatchTapped, *, offer_undo: bool = True) -> None:
        self.notice_label.setText("; ".join(r.reason for r in done.refused))
        if offer_undo:
            self.undo_bar.offer(tuple(t.undo for t in done.tapped if t.undo is not None))
        self._changed_here(done.changed)

    def _changed_here(self, changed: ReplicaChanged) -> None:
        """A tap here changed the replica: its card now, not at the next sync round, and
        whatever else follows the replica (side panels, the ready board, the call-out)."""
        self._signals.replica_changed.emit(changed)

    # -- cancel and walk-in (the ⋯ menu and the walk-in dialog build on these) ------------------
    def cancel_selected(self) -> None:
        order = self.selected_order()
        if order is None:
            self.notice_label.setText(
                "Select an order to cancel first (tap it, or its number key)."
            )
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
        self._mine.add(order_id)
        self.on_replica_changed(ReplicaChanged(order_ids=frozenset({order_id})))

    def pairing_failed(self, message: str) -> None:
        self.pair_box.failed(message)


class LaterPanel(QWidget):
    """A side panel's tab that builds the panel itself the first time it shows: a panel nobody
    opens costs neither its widgets nor its reads."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build = build
        self.panel: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def built(self) -> QWidget:
        if self.panel is None:
            self.panel = self._build()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self.panel)
        return self.panel

    def showEvent(self, event: QShowEvent) -> None:
        self.built()
        super().showEvent(event)


def _changes(count: int) -> str:
    return f"{count} change" if count == 1 else f"{count} changes"
