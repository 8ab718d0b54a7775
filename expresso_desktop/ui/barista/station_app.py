"""Composition of a barista station: the replica, its service, the service loop (ops and, once
paired, the sync), and the window. Pairs first when the station has never been paired.

Only station-side modules are reached from here (sync/, core/, ui/common): a station never
loads organiser code."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.events import Notice
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station import StationOptions, load_token, pair_station
from expresso_desktop.sync.station_component import StationSync
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.barista.pair_box import PairRequest
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost


@dataclass(frozen=True, slots=True)
class PairingResult:
    """How pairing ended: ``url`` of the organiser when it worked, else ``error`` to show."""

    url: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class StationApp(QObject):
    """Signals: paired(PairingResult) — pairing finished (worked or not)."""

    paired = Signal(PairingResult)

    def __init__(self, paths: AppPaths, options: StationOptions) -> None:
        super().__init__()
        self.paths, self.options = paths, options
        self.replica = Replica(paths.replica_db)
        menu = load_default_menu()
        self.signals = SyncSignals()
        self.host = ServiceHost()  # no components until the station is paired; ops run here
        self.ops = OpRunner(self.host)
        self.service = StationService(self.replica, menu)
        self.window = BaristaWindow(
            service=self.service, ops=self.ops, menu=menu, signals=self.signals
        )
        self.window.pair_box.pair_requested.connect(self.pair)
        self.paired.connect(self._on_paired)
        self.sync: StationSync | None = None

    def start(self) -> None:
        self.host.start()
        if load_token(self.paths) is not None and self.replica.state("server_url"):
            self._start_sync()

    def pair(self, request: PairRequest) -> None:
        wanted = replace(
            self.options, server=request.server or self.options.server, pair=request.code
        )
        replica, paths = self.replica, self.paths
        self.ops.call(
            lambda: pair_station(replica, paths, wanted),
            on_done=lambda url: self.paired.emit(PairingResult(url=url)),
            on_error=lambda failure: self.paired.emit(PairingResult(error=failure.text)),
            label="Pair this station",
        )

    def _on_paired(self, result: PairingResult) -> None:
        if not result.ok:
            self.window.pairing_failed(result.error or "pairing failed")
            return
        self.window.refresh()
        self._start_sync()

    def _start_sync(self) -> None:
        signals = self.signals
        # The sync calls these on the loop's thread; the signals queue them to the window.
        self.sync = StationSync(
            self.replica,
            self.paths,
            self.options,
            on_round=signals.replica_changed.emit,
            on_notice=signals.notice.emit,
            on_status=signals.link_changed.emit,
        )

        def started(future: Future[None]) -> None:
            if (error := future.exception()) is not None:
                signals.notice.emit(Notice("sync", str(error)))

        self.host.start_component(self.sync).add_done_callback(started)

    def close(self) -> None:
        self.ops.close()
        self.host.stop()
        self.replica.close()
