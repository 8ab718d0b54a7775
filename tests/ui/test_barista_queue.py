"""The barista queue follows the sync incrementally: a round that changed one order re-reads
only that order's card, a tap redraws its card at once, and only a download (``everything``)
re-reads the whole queue. A real organiser (in process) and a station replica synced through
the sync tests' fake network; the window reads through a real op runner."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtTest import QAbstractItemModelTester

from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station_service import StationOrder, StationService, StationView, Tapped
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.barista.order_card import CardTapped
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from tests.sync.harness import Organiser, StationNode


class SpyService(StationService):
    """The real service, noting which reads the window asked for."""

    def __init__(self, replica: Replica, menu: Menu) -> None:
        super().__init__(replica, menu)
        self.calls: list[tuple[str, frozenset[str] | None]] = []

    def view(self) -> StationView:
        self.calls.append(("view", None))
        return super().view()

    def queue_orders(self, ids: Iterable[str]) -> dict[str, StationOrder | None]:
        ids = frozenset(ids)
        self.calls.append(("queue_orders", ids))
        return super().queue_orders(ids)

    def tap(self, order: StationOrder, action: Action, *, reason: str | None = None) -> Tapped:
        self.calls.append(("tap", frozenset({order.id})))
        return super().tap(order, action, reason=reason)


@dataclass
class Station:
    org: Organiser
    node: StationNode
    service: SpyService
    signals: SyncSignals
    window: BaristaWindow
    orders: list[str]

    def sync(self) -> ReplicaChanged:
        """One round; what it reported changed."""
        self.node.rounds.clear()
        assert asyncio.run(self.node.sync())
        assert len(self.node.rounds) == 1
        return self.node.rounds[0]

    def card_ids(self) -> list[str]:
        return [o.id for o in self.window.model.orders()]

    def shown(self, order_id: str) -> StationOrder:
        return next(o for o in self.window.model.orders() if o.id == order_id)


@pytest.fixture
def station(qtbot: Any, tmp_path: Path, menu: Menu) -> Iterator[Station]:
    org = Organiser(tmp_path / "org")
    org.seed()
    station_id = org.station_ids()[0]
    orders = [org.add_order(station_id, name) for name in ("Ana", "Ben", "Cy")]
    node = StationNode(org, tmp_path / "station.db", station_id)
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    service = SpyService(node.replica, menu)
    signals = SyncSignals()
    window = BaristaWindow(service=service, ops=ops, menu=menu, signals=signals)
    qtbot.addWidget(window)
    st = Station(org, node, service, signals, window, orders)
    try:
        first = st.sync()
        assert first.everything  # the first download
        signals.replica_changed.emit(first)
        qtbot.waitUntil(lambda: window.model.rowCount() == 3)
        qtbot.waitUntil(lambda: not window.reads.busy)
        yield st
    finally:
        ops.close()
        host.stop()
        node.close()
        org.close()


def test_a_round_that_changed_one_order_re_reads_only_its_card(
    qtbot: Any, station: Station
) -> None:
    model = station.window.model
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    ana, ben, cy = station.orders
    station.org.do("order.start", order_id=ben)  # the organiser starts Ben's order
    changed = station.sync()
    assert changed.order_ids == frozenset({ben}) and not changed.everything

    station.service.calls.clear()
    repainted: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom: repainted.append((top.row(), bottom.row())))
    station.signals.replica_changed.emit(changed)
    qtbot.waitUntil(lambda: station.shown(ben).status is OrderStatus.IN_PROGRESS)
    assert station.service.calls == [("queue_orders", frozenset({ben}))]
    assert repainted == [(1, 1)]  # Ben's card only
    assert station.card_ids() == [ana, ben, cy]

    # Collected at the organiser: the card leaves, the others stay where they are.
    station.org.do("order.ready", order_id=ben)
    station.org.do("order.collect", order_id=ben)
    station.service.calls.clear()
    station.signals.replica_changed.emit(station.sync())
    qtbot.waitUntil(lambda: station.card_ids() == [ana, cy])
    assert station.service.calls == [("queue_orders", frozenset({ben}))]
    del tester


def test_a_tap_redraws_its_card_without_waiting_for_a_round(qtbot: Any, station: Station) -> None:
    ana = station.orders[0]
    station.service.calls.clear()
    station.window.delegate.tapped.emit(CardTapped(station.shown(ana), Action.START))
    qtbot.waitUntil(lambda: station.shown(ana).status is OrderStatus.IN_PROGRESS)
    assert station.service.calls == [
        ("tap", frozenset({ana})),
        ("queue_orders", frozenset({ana})),
    ]


def test_only_a_download_re_reads_everything(qtbot: Any, station: Station) -> None:
    station.service.calls.clear()
    station.signals.replica_changed.emit(ReplicaChanged(everything=True))
    qtbot.waitUntil(lambda: bool(station.service.calls) and not station.window.reads.busy)
    assert station.service.calls == [("view", None)]
    station.service.calls.clear()
    station.signals.replica_changed.emit(ReplicaChanged(entities=frozenset({"stock_items"})))
    qtbot.waitUntil(lambda: not station.window.reads.busy)
    assert station.service.calls == []  # nothing the queue shows


def test_a_tap_on_a_stale_card_is_refused_on_screen(qtbot: Any, station: Station) -> None:
    ana = station.orders[0]
    stale = station.shown(ana)
    station.org.do("order.collect", order_id=ana)  # collected meanwhile at the organiser
    station.sync()  # the replica knows; the window has not been told yet
    station.window.delegate.tapped.emit(CardTapped(stale, Action.START))
    qtbot.waitUntil(lambda: station.window.notice_label.text() != "")
    assert "collected" in station.window.notice_label.text()
    assert station.node.outbox() == []  # nothing queued for the organiser
