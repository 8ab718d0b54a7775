"""Composition of a barista station: the replica, its service, the sync loop on a service
thread, and the window. Pairs first when the station has never been paired."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station import StationOptions, load_token, pair_station
from expresso_desktop.sync.station_component import StationSync
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.common.service_host import ServiceHost


class StationApp(QObject):
    """Signals: paired(str) — "" once pairing worked, else what went wrong."""

    paired = Signal(str)

    def __init__(self, paths: AppPaths, options: StationOptions) -> None:
        super().__init__()
        self.paths, self.options = paths, options
        self.replica = Replica(paths.replica_db)
        menu = load_default_menu()
        self.signals = SyncSignals()
        self.host = ServiceHost(list)  # nothing runs until the station is paired
        self.service = StationService(self.replica, menu)
        self.window = BaristaWindow(service=self.service, menu=menu, signals=self.signals)
        self.window.pair_requested.connect(self.pair)
        self.paired.connect(self._on_paired)

    def start(self) -> None:
        self.host.start()
        if load_token(self.paths) is not None and self.replica.state("server_url"):
            self._start_sync()

    def pair(self, server: str, code: str) -> None:
        wanted = replace(self.options, server=server or self.options.server, pair=code)
        future = self.host.submit(pair_station(self.replica, self.paths, wanted))
        future.add_done_callback(
            lambda f: self.paired.emit("" if f.exception() is None else str(f.exception()))
        )

    def _on_paired(self, error: str) -> None:
        if error:
            self.window.pairing_failed(error)
            return
        self.window.refresh()
        self._start_sync()

    def _start_sync(self) -> None:
        signals = self.signals
        sync = StationSync(
            self.replica,
            self.paths,
            self.options,
            on_round=signals.replica_changed.emit,
            on_notice=lambda notice: signals.notice.emit(notice.message),
            on_status=signals.link_changed.emit,
        )

        def started(future: Future[None]) -> None:
            if future.exception() is not None:
                signals.notice.emit(str(future.exception()))

        self.host.start_component(sync).add_done_callback(started)

    def close(self) -> None:
        self.host.stop()
        self.replica.close()
