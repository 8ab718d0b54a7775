"""Composition of a ready board (``expresso board``): a display device's own replica (in the
``board`` folder of the data folder: never the barista's replica or token), the station's sync
engine on a service loop, and the board window, with the station's pairing form until paired.

A display pairs with a code the organiser issues for the ``display`` role (Setup → Pair a
station → Device: Ready board); it only reads (``Permission.READ_BOARD``).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from expresso_desktop.settings import AppPaths, private_dir
from expresso_desktop.sync.board_queries import BoardReads
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station import load_token, pair_station
from expresso_desktop.sync.station_component import StationSync
from expresso_desktop.sync.station_options import BoardOptions
from expresso_desktop.ui.barista.board_window import BoardWindow
from expresso_desktop.ui.barista.main_window import SyncSignals, start_sync
from expresso_desktop.ui.barista.pair_box import PairBox, PairRequest
from expresso_desktop.ui.barista.station_app import PairingResult
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost


class BoardApp(QObject):
    """Signals: paired(PairingResult) — pairing finished (worked or not)."""

    paired = Signal(PairingResult)

    def __init__(self, paths: AppPaths, options: BoardOptions) -> None:
        """``paths``: the board's own folder (``AppPaths.board``)."""
        super().__init__()
        self.paths, self.options = paths, options
        private_dir(paths.data_dir)
        self.replica = Replica(paths.replica_db)
        self.signals = SyncSignals()
        self.host = ServiceHost()  # no components until paired; ops run here
        self.ops = OpRunner(self.host)
        self.pair_box = PairBox()
        self.pair_box.server.setText(options.station.server or "")
        self.window = BoardWindow(
            reads=BoardReads(self.replica, station_number=options.station_number),
            ops=self.ops,
            signals=self.signals,
            pair_box=self.pair_box,
        )
        self.pair_box.pair_requested.connect(self.pair)
        self.paired.connect(self._on_paired)
        self.sync: StationSync | None = None

    def start(self) -> None:
        """Sync when paired; else pair with ``--pair`` when given (a kiosk starts unattended),
        or wait for the pairing form."""
        self.host.start()
        station = self.options.station
        if load_token(self.paths) is not None and self.replica.state("server_url"):
            self._start_sync()
        elif station.pair:
            self.pair(PairRequest(station.server or "", station.pair))

    def pair(self, request: PairRequest) -> None:
        station = self.options.station
        wanted = replace(station, server=request.server or station.server, pair=request.code)
        replica, paths = self.replica, self.paths
        self.ops.call(
            lambda: pair_station(replica, paths, wanted),
            on_done=lambda url: self.paired.emit(PairingResult(url=url)),
            on_error=lambda failure: self.paired.emit(PairingResult(error=failure.text)),
            label="Pair this board",
        )

    def _on_paired(self, result: PairingResult) -> None:
        if not result.ok:
            self.pair_box.failed(result.error or "pairing failed")
            return
        self.window.refresh()
        self._start_sync()

    def _start_sync(self) -> None:
        self.sync = start_sync(
            self.host, self.replica, self.paths, self.options.station, self.signals
        )

    def close(self) -> None:
        self.ops.close()
        self.host.stop()
        self.replica.close()


def run_board(
    app: QApplication, paths: AppPaths, options: BoardOptions, *, opening: QWidget | None = None
) -> int:
    """``expresso board``: the board until its window closes; it takes the place of
    ``opening`` (what the display showed while the board was imported)."""
    board = BoardApp(paths, options)
    board.start()
    if opening is not None and not options.fullscreen:
        board.window.setGeometry(opening.geometry())
    board.window.show_board(fullscreen=options.fullscreen)
    if opening is not None:
        opening.close()
    try:
        return app.exec()
    finally:
        board.close()
