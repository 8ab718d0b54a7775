"""Composition of a barista station: the replica, its service, the service loop (ops and, once
paired, the sync), and the window. Pairs first when the station has never been paired (the
organisers found on the network to choose from, or a typed address), then asks who is on the
bar (a PIN page over the queue, back whenever the barista changes).

The window may come already shown as a shell (``BaristaWindow()``, "Opening the station…":
``app.py`` paints it before importing this module); the station attaches to it. Side panels
nobody has opened yet (Today, History) are built when first opened.

Only station-side modules are reached from here (sync/, core/, ui/common): a station never
loads organiser code."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from expresso_desktop.settings import AppPaths
from expresso_desktop.sync import barista
from expresso_desktop.sync.barista import Barista
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.first_run import (
    LoginAnswer,
    StaffList,
    log_in_here,
    log_out,
    pair_here,
    staff_list,
)
from expresso_desktop.sync.organiser_watch import OrganisersSeen, OrganiserWatch
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station import StationOptions, load_token
from expresso_desktop.sync.station_chat import StationChat
from expresso_desktop.sync.station_component import StationSync
from expresso_desktop.sync.station_menu import read_event_menu
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.card_menu import CardTools
from expresso_desktop.ui.barista.chat_panel import ChatPanel
from expresso_desktop.ui.barista.display_settings import StationDisplay
from expresso_desktop.ui.barista.history_panel import HistoryPanel
from expresso_desktop.ui.barista.login_box import BaristaBadge, LoginBox, LoginRequest
from expresso_desktop.ui.barista.main_window import (
    BaristaWindow,
    LaterPanel,
    SyncSignals,
    start_sync,
)
from expresso_desktop.ui.barista.pair_box import PairRequest
from expresso_desktop.ui.barista.stock_panel import StockPanel
from expresso_desktop.ui.barista.today_panel import TodayPanel
from expresso_desktop.ui.barista.walk_in_dialog import WalkInDialog, WalkInPlaced
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost

P = TypeVar("P", bound=QWidget)


@dataclass(frozen=True, slots=True)
class PairingResult:
    """How pairing ended: ``url`` of the organiser when it worked, else ``error`` to show
    (beside ``field``: "code" or "server")."""

    url: str | None = None
    error: str | None = None
    field: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class StationApp(QObject):
    """Signals:
    paired(PairingResult) — pairing finished (worked or not)
    organisers_seen(OrganisersSeen) — organisers appeared on the network or left it (first run)
    """

    paired = Signal(PairingResult)
    organisers_seen = Signal(OrganisersSeen)

    def __init__(
        self, paths: AppPaths, options: StationOptions, window: BaristaWindow | None = None
    ) -> None:
        """``window``: the shell already shown, else a new one."""
        super().__init__()
        self.paths, self.options = paths, options
        self.replica = Replica(paths.replica_db)
        self.menu = read_event_menu(self.replica)  # the event's, as downloaded (default before)
        self.signals = SyncSignals()
        self.host = ServiceHost()  # no components until the station is paired; ops run here
        self.ops = OpRunner(self.host)
        self.service = StationService(self.replica, self.menu)
        self.window = window or BaristaWindow()
        self.window.attach(service=self.service, ops=self.ops, menu=self.menu, signals=self.signals)
        self._build_side_panels()
        self.window.walk_in_button.clicked.disconnect()  # the touch dialog instead of a text box
        self.window.walk_in_button.clicked.connect(self.open_walk_in)
        self.card_tools = CardTools(self.replica, self.ops, self.signals, parent=self.window)
        self.window.delegate.more.connect(self.card_tools.open_menu)  # ⋯: menu, labels
        # "Ready board" (a second window) and "Display…" (text size, contrast, call-out).
        self.display = StationDisplay(self.window, self.replica, self.ops, self.signals)
        self.window.pair_box.pair_requested.connect(self.pair)
        self.paired.connect(self._on_paired)
        self.sync: StationSync | None = None
        self._build_login()
        self.watch: OrganiserWatch | None = None  # looking for organisers: before pairing only
        self.organisers_seen.connect(self.window.pair_box.set_organisers)

    def _build_side_panels(self) -> None:
        """Stock (the tab shown first) and Chat (its tab counts unread messages) now; Today and
        History when first opened."""
        replica, ops, signals = self.replica, self.ops, self.signals
        self.stock_panel = StockPanel(replica=replica, ops=ops, signals=signals)
        self.window.add_side_panel(self.stock_panel, "Stock")
        self._today = self.window.add_side_panel_later(
            lambda: TodayPanel(replica=replica, ops=ops, signals=signals), "Today"
        )
        self.chat_panel = ChatPanel(ops, StationChat(replica), signals)
        self.window.add_side_panel(self.chat_panel, "Chat")
        menu = self.menu
        self._history = self.window.add_side_panel_later(
            lambda: HistoryPanel(replica=replica, menu=menu, ops=ops, signals=signals), "History"
        )

    @property
    def today_panel(self) -> TodayPanel:
        return _built(self._today, TodayPanel)

    @property
    def history(self) -> HistoryPanel:
        return _built(self._history, HistoryPanel)

    def start(self) -> None:
        self.host.start()
        if load_token(self.paths) is not None and self.replica.state("server_url"):
            self._start_sync()
            # Straight on the queue when someone is logged in, else who is on the bar.
            who = barista.current(self.replica)
            self.badge.show_barista(who)
            if who is None:
                self.show_login()
            else:
                self.show_queue()
        else:
            self.window.statusBar().hide()  # nothing to report before pairing
            self.display.toolbar.hide()  # nor a board or display settings to open
            if self.options.pair:  # `barista --pair CODE [--server URL]`: pair at once
                self.pair(
                    PairRequest(
                        self.options.server or "", self.options.pair, self.options.fingerprint or ""
                    )
                )
            self.watch = OrganiserWatch(
                self.organisers_seen.emit, self.options.mdns_interfaces or None
            )
            self.ops.call(
                self.watch.run,
                on_error=lambda failure: self.window.pair_box.looking_failed(failure.message),
                label="Looking for organisers",
            )

    def pair(self, request: PairRequest) -> None:
        wanted = replace(
            self.options,
            server=request.server or self.options.server,
            fingerprint=request.fingerprint or self.options.fingerprint,
            pair=request.code,
        )
        replica, paths = self.replica, self.paths
        self.ops.call(
            lambda: pair_here(replica, paths, wanted),
            on_done=lambda done: self.paired.emit(PairingResult(url=done.url)),
            on_error=self._pairing_refused,
            label="Pair this station",
        )

    def _pairing_refused(self, failure: OpFailed) -> None:
        self.paired.emit(PairingResult(error=failure.text, field=failure.field))

    def _on_paired(self, result: PairingResult) -> None:
        if not result.ok:
            self.window.pair_box.failed(result.error or "pairing failed", result.field)
            return
        if self.watch is not None:
            self.ops.call(self.watch.stop, label="Stop looking for organisers")
        self.window.refresh()
        self._start_sync()
        self.window.statusBar().show()
        self.display.toolbar.show()
        self.show_login()

    def _start_sync(self) -> None:
        self.sync = start_sync(self.host, self.replica, self.paths, self.options, self.signals)

    # -- who is on the bar ---------------------------------------------------------------------
    def _build_login(self) -> None:
        """The PIN page over the window's pages, and who is logged in in its status bar."""
        self.login_box = LoginBox()
        self.badge = BaristaBadge()
        self.badge.hide()  # until paired
        self.gate = QStackedWidget()
        pages = self.window.takeCentralWidget()
        assert pages is not None
        self.gate.addWidget(pages)
        self.gate.addWidget(self.login_box)
        self.window.setCentralWidget(self.gate)
        self.window.statusBar().addPermanentWidget(self.badge)
        self.login_box.login_requested.connect(self.log_in)
        self.login_box.back_button.clicked.connect(self.show_queue)
        self.badge.change_button.clicked.connect(self.show_login)
        self.badge.logout_button.clicked.connect(self.log_out)
        self.signals.replica_changed.connect(self._staff_may_have_changed)

    def show_login(self) -> None:
        """The PIN page (the barista stays logged in until someone else logs in)."""
        self.login_box.reset()
        self.gate.setCurrentWidget(self.login_box)
        self.badge.hide()  # the page itself is the way out
        self.login_box.setFocus()
        self._read_staff()

    def show_queue(self) -> None:
        self.gate.setCurrentIndex(0)
        self.badge.show()
        self.window.setFocus()

    def _read_staff(self) -> None:
        replica, service = self.replica, self.service
        self.ops.query(
            lambda: (staff_list(replica), service.station_label()),
            on_done=self._show_staff,
            label="Reading the staff list",
        )

    def _show_staff(self, read: tuple[StaffList, str]) -> None:
        staff, station = read
        self.login_box.show_staff(staff)
        self.login_box.set_station(station)
        self.badge.show_barista(staff.barista)

    def _staff_may_have_changed(self, changed: ReplicaChanged) -> None:
        if self.gate.currentWidget() is self.login_box and (
            changed.everything or "staff_users" in changed.entities
        ):
            self._read_staff()

    def log_in(self, request: LoginRequest) -> None:
        replica, paths = self.replica, self.paths
        self.ops.call(
            lambda: log_in_here(replica, paths, request.person, request.pin),
            on_done=self._logged_in,
            on_error=lambda failure: self.login_box.refused(failure.text),
            label="Log in",
        )

    def _logged_in(self, answer: LoginAnswer) -> None:
        if not answer.result.ok:
            self.login_box.refused(answer.line)
            return
        self.login_box.reset()
        self._read_staff()  # the badge: who is logged in now
        self.window.refresh_link()  # and the window's "Barista: …"
        self.show_queue()

    def log_out(self) -> None:
        replica = self.replica
        self.ops.query(lambda: log_out(replica), on_done=self._logged_out, label="Log out")

    def _logged_out(self, _who: Barista | None) -> None:
        self.window.refresh_link()
        self.show_login()

    # -- walk-ins ------------------------------------------------------------------------------
    def open_walk_in(self) -> WalkInDialog:
        """The walk-in dialog over the window; a placed order shows in the queue at once."""
        dialog = WalkInDialog(
            service=self.service, ops=self.ops, signals=self.signals, parent=self.window
        )
        dialog.placed.connect(self._walked_in)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _walked_in(self, placed: WalkInPlaced) -> None:
        self.signals.replica_changed.emit(ReplicaChanged(order_ids=frozenset({placed.order_id})))

    def close(self) -> None:
        self.display.close()
        self.ops.close()
        self.host.stop()
        self.replica.close()


def _built(page: LaterPanel, kind: type[P]) -> P:
    panel = page.built()
    assert isinstance(panel, kind)
    return panel
