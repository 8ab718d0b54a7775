"""Every list/table model in ui/ under Qt's ``QAbstractItemModelTester``, attached while the model
is fed the way the screens feed it (reset, in-place updates, inserts, removals, moves): any
broken invariant is a Qt warning, and a warning fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QMessageLogContext,
    QModelIndex,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtTest import QAbstractItemModelTester

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.services.order_views import OrderRow
from expresso_desktop.services.pairing import DeviceRow
from expresso_desktop.sms.message_log import LoggedText
from expresso_desktop.sync.station_service import StationOrder
from expresso_desktop.ui.barista.queue_model import ORDER_ROLE, QueueModel
from expresso_desktop.ui.common.orders_model import OrdersTableModel
from expresso_desktop.ui.organiser.devices_model import DevicesTableModel
from expresso_desktop.ui.organiser.message_log_model import STATUS, MessageLogModel

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
Mode = QAbstractItemModelTester.FailureReportingMode


@pytest.fixture
def tested(qtlog: Any) -> Iterator[list[QAbstractItemModelTester]]:
    """Attach testers here; after the test, Qt must not have complained."""
    testers: list[QAbstractItemModelTester] = []
    yield testers
    complaints = [r.message for r in qtlog.records if "modeltest" in (r.context.category or "")]
    complaints += [r.message for r in qtlog.records if "FAIL!" in r.message]
    assert complaints == []


def _attach(model: QAbstractItemModel, testers: list[QAbstractItemModelTester]) -> None:
    testers.append(QAbstractItemModelTester(model, Mode.Warning))


def _order_row(n: int, status: str = "new") -> OrderRow:
    return OrderRow(
        id=f"o{n}",
        number=f"A{n:03}",
        customer_name=f"Customer {n}",
        summary="large oat latte",
        station="Station 1",
        status=status,
        source="sms",
        vip=n % 2 == 0,
        created_at=T0 + timedelta(minutes=n),
    )


def test_orders_table(tested: list[QAbstractItemModelTester]) -> None:
    model = OrdersTableModel()
    _attach(model, tested)
    model.reset_rows([_order_row(n) for n in (3, 2, 1)])
    model.upsert([_order_row(2, "in_progress"), _order_row(4)])  # one changed, one new on top
    assert [model.row_at(i).id for i in range(model.rowCount())] == ["o4", "o3", "o2", "o1"]
    assert model.index(2, 4).data() == "Making"
    model.set_rows([_order_row(4), _order_row(1, "ready")])
    assert model.rowCount() == 2 and model.index(1, 4).data() == "Ready"
    model.touch_ages()
    model.reset_rows([])


def _device(n: int, *, active: bool = True) -> DeviceRow:
    return DeviceRow(n, f"Device {n}", "barista", f"Station {n}", T0, None, active)


def test_devices_table(tested: list[QAbstractItemModelTester]) -> None:
    model = DevicesTableModel()
    _attach(model, tested)
    model.set_rows([_device(1), _device(2)])
    model.set_rows([_device(2, active=False), _device(3)])
    assert [model.index(r, 4).data() for r in range(model.rowCount())] == ["revoked", "active"]
    assert model.index(0, 3).data() == "never"
    model.upsert([_device(2)])
    model.set_rows([])


def _text(n: int, status: str = "pending", *, at: int = 0) -> LoggedText:
    return LoggedText(
        id=n,
        direction="out",
        kind="manual",
        number="+61 ••• ••• 456",
        body=f"text {n}",
        status=status,
        error_code="30003" if status == "failed" else None,
        order_id="o1" if n % 2 else None,
        order_number="A001" if n % 2 else None,
        created_at=T0 + timedelta(minutes=n),
        updated_at=T0 + timedelta(minutes=n + at),
    )


def test_message_log_table(tested: list[QAbstractItemModelTester]) -> None:
    model = MessageLogModel()
    _attach(model, tested)
    model.reset_rows([_text(5), _text(4, "delivered")])
    assert model.open_ids == {5}
    model.upsert([_text(5, "delivered", at=1), _text(7), _text(6, "failed")])  # new on top
    assert [model.row_at(r).id for r in range(model.rowCount())] == [7, 6, 5, 4]
    assert model.index(1, STATUS).data() == "✕ failed (30003)" and model.open_ids == {7}
    model.upsert([_text(5, "pending")])  # an older state never replaces a newer one
    assert model.index(2, STATUS).data() == "✓ delivered"
    model.has_more, asked = True, []
    model.fetch_older = lambda: asked.append(model.oldest_id)
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert asked[-1] == 4  # texts older than the oldest shown (the tester asks too)
    model.append_older([_text(3), _text(2, "delivered"), _text(4)])
    assert [model.row_at(r).id for r in range(model.rowCount())][4:] == [3, 2]
    assert model.open_ids == {7, 3}
    model.reset_rows([])


def _station_order(n: int, status: OrderStatus = OrderStatus.NEW) -> StationOrder:
    latte = DrinkSpec("latte", "large", "oat", 0, 1, ())
    return StationOrder(f"s{n}", f"A{n:03}", status, f"Name {n}", (latte,), T0 + timedelta(n))


def test_barista_queue(tested: list[QAbstractItemModelTester]) -> None:
    model = QueueModel()
    _attach(model, tested)
    for lane in model.lanes.values():  # each lane fed the same changes, row by row
        _attach(lane, tested)
    model.update([_station_order(n) for n in (1, 2, 3)])
    model.update([_station_order(3), _station_order(1), _station_order(4)])  # a move
    model.update([_station_order(n) for n in (1, 3, 4)])
    model.patch(
        {
            "s3": replace(_station_order(3), status=OrderStatus.READY),  # in place
            "s1": None,  # left the queue
            "s2": _station_order(2),  # back, in its place by age
            "s9": None,  # never shown: nothing to do
        }
    )
    assert [o.id for o in model.orders()] == ["s2", "s3", "s4"]
    assert model.index(1).data(ORDER_ROLE).status is OrderStatus.READY
    model.patch({"s4": replace(_station_order(4), created_at=T0)})  # its age moved it first
    assert [o.id for o in model.orders()] == ["s4", "s2", "s3"]
    lanes = {status: [o.id for o in lane.orders()] for status, lane in model.lanes.items()}
    assert lanes == {
        OrderStatus.NEW: ["s4", "s2"],
        OrderStatus.IN_PROGRESS: [],
        OrderStatus.READY: ["s3"],
    }
    model.patch({"s2": replace(_station_order(2), status=OrderStatus.IN_PROGRESS)})  # a tap
    assert [o.id for o in model.lanes[OrderStatus.IN_PROGRESS].orders()] == ["s2"]
    assert model.lanes[OrderStatus.NEW].index(0).data(ORDER_ROLE).id == "s4"
    model.touch_all()
    model.update([])
    assert all(lane.rowCount() == 0 for lane in model.lanes.values())


class _Lying(QAbstractListModel):
    """Says it has rows and then removes one it never announced: the tester must object."""

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return "row" if role == Qt.ItemDataRole.DisplayRole else None

    def lie(self) -> None:
        self.beginRemoveRows(QModelIndex(), 0, 0)
        self.endRemoveRows()  # and rowCount() still says 2


@pytest.mark.no_qt_log  # pytest-qt would fail this test for the warning it expects
def test_the_tester_catches_a_broken_model() -> None:
    """The guard of the tests above is armed: Qt's tester reports a broken model as a
    ``qt.modeltest`` warning (which pytest-qt turns into a failure)."""
    heard: list[tuple[str, str]] = []

    def handler(_mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        heard.append((context.category or "", message))

    previous = qInstallMessageHandler(handler)
    try:
        model = _Lying()
        tester = QAbstractItemModelTester(model, Mode.Warning)
        model.lie()
        del tester
    finally:
        qInstallMessageHandler(previous)
    assert any(category == "qt.modeltest" and "FAIL!" in m for category, m in heard)
