"""A barista station's parts for its panels' tests: a real organiser in process (seeded with the
demo event), one station's replica synced with it through the sync tests' harness, and the op
runner the station's widgets read and tap through."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSplitter, QTabWidget, QWidget

from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.station_menu import read_event_menu
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.theme import apply_theme
from tests.sync.harness import Organiser, StationNode

QUEUE_PX = 860


@dataclass
class StationParts:
    org: Organiser
    node: StationNode
    ops: OpRunner
    signals: SyncSignals
    service: StationService

    @property
    def station_id(self) -> int:
        assert self.node.station_id is not None
        return self.node.station_id

    def sync(self) -> ReplicaChanged:
        """One sync round, told to the widgets as the running sync tells them."""
        self.node.rounds.clear()
        assert asyncio.run(self.node.sync())
        changed = reduce(ReplicaChanged.__or__, self.node.rounds, ReplicaChanged())
        self.signals.replica_changed.emit(changed)
        return changed


@contextmanager
def themed() -> Iterator[None]:
    """The app's theme applied (as the station runs), then put back: its button rules decide
    touch sizes."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    apply_theme(app)
    try:
        yield
    finally:
        app.setStyleSheet(before)


@contextmanager
def station_parts(tmp_path: Path, number: int = 1) -> Iterator[StationParts]:
    org = Organiser(tmp_path / "org")
    org.seed()
    node = StationNode(org, tmp_path / "station.db", org.station_ids()[number - 1])
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    try:
        assert asyncio.run(node.sync())  # the first download
        service = StationService(node.replica, read_event_menu(node.replica))
        yield StationParts(org, node, ops, SyncSignals(), service)
    finally:
        ops.close()
        host.stop()
        node.close()
        org.close()


def side_area(panel: QWidget, title: str) -> QSplitter:
    """``panel`` as the station's window shows it: a tab beside the queue's area, at the width
    the window gives it (for screenshots)."""
    tabs = QTabWidget()
    tabs.addTab(panel, title)
    queue = QWidget()
    queue.setMinimumWidth(QUEUE_PX)  # what the queue takes of a 1280 px window
    body = QSplitter(Qt.Orientation.Horizontal)
    body.addWidget(queue)
    body.addWidget(tabs)
    body.setStretchFactor(0, 3)
    body.setStretchFactor(1, 1)
    return body
