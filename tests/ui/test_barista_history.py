"""The History side panel on a real station replica fed by a real (in-process) organiser:
today's collected and cancelled orders of this station, newest first, search by number or name,
Recall puts a collected order back to ready at the organiser, and a cancelled one says why it
cannot come back. It follows ``replica_changed`` (no Refresh button)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from expresso_desktop.core.menu import Menu
from expresso_desktop.sync.events import Notice, ReplicaChanged
from expresso_desktop.ui.barista.history_panel import HistoryPanel, Recalled
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.theme import apply_theme
from tests.sync.customer_orders import texted_order
from tests.sync.harness import Organiser, StationNode
from tests.ui.artifacts import artifacts_dir, settle


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Organiser]:
    org = Organiser(tmp_path / "org")
    org.seed()
    yield org
    org.close()


@pytest.fixture
def ops(org: Organiser) -> Iterator[OpRunner]:
    host = ServiceHost()
    host.start()
    runner = OpRunner(host)
    yield runner
    runner.close()
    host.stop()


def _shown(panel: HistoryPanel) -> list[str]:
    return [e.number for e in panel.entries]


def test_history_search_and_recall(
    qtbot: Any, org: Organiser, ops: OpRunner, menu: Menu, tmp_path: Path
) -> None:
    one, two, _ = org.station_ids()
    ids = [texted_order(org, one, name) for name in ("Ana Ruiz", "Ben Ng", "Cy & Co", "Dee")]
    ana, ben, cy, dee = ids
    for order_id in (ana, ben):
        org.do("order.collect", order_id=order_id)
    org.do("order.cancel", order_id=cy, reason="we've run out of oat milk")
    org.do("order.collect", order_id=texted_order(org, two, "Eve"))  # another station's
    node = StationNode(org, tmp_path / "station.db", one)
    try:
        assert asyncio.run(node.sync())
        signals = SyncSignals()
        notices: list[Notice] = []
        signals.notice.connect(notices.append)
        panel = HistoryPanel(replica=node.replica, menu=menu, ops=ops, signals=signals)
        qtbot.addWidget(panel)
        number = {order_id: org.order(order_id).number for order_id in ids}
        qtbot.waitUntil(lambda: len(panel.entries) == 3)
        assert _shown(panel) == [number[cy], number[ben], number[ana]]
        texts = [label.text() for label in panel.findChildren(QLabel)]
        assert f"Can't recall: {number[cy]}: a cancelled order cannot be undone" in texts
        assert "Cy" in " ".join(texts) and "& Co" not in " ".join(texts)  # first names only
        recall = [b for b in panel.findChildren(QPushButton) if b.text() == "Recall"]
        assert [b.isEnabled() for b in recall] == [False, True, True]
        _save(panel, "barista-history", tmp_path)

        panel.search.setText("ben")
        qtbot.waitUntil(lambda: _shown(panel) == [number[ben]])
        panel.search.setText(number[ana] or "")
        qtbot.waitUntil(lambda: _shown(panel) == [number[ana]])
        panel.search.setText("")
        qtbot.waitUntil(lambda: len(panel.entries) == 3)

        recalled: list[Recalled] = []
        panel.recalled.connect(recalled.append)
        ben_row = panel.entries.index(next(e for e in panel.entries if e.order_id == ben))
        rows = [panel.rows.itemAt(i).widget() for i in range(panel.rows.count())]
        rows[ben_row].findChild(QPushButton, "recall").click()  # rows shown now, not old ones
        qtbot.waitUntil(lambda: bool(recalled), timeout=20_000)
        qtbot.waitUntil(lambda: _shown(panel) == [number[cy], number[ana]])  # it follows
        assert notices[-1].message == f"{number[ben]} recalled: ready again"
        assert asyncio.run(node.sync())
        assert org.order(ben).status == "ready"

        org.do("order.collect", order_id=dee)  # finished elsewhere: a round names it
        node.rounds.clear()
        assert asyncio.run(node.sync())
        signals.replica_changed.emit(node.rounds[-1] if node.rounds else ReplicaChanged())
        qtbot.waitUntil(lambda: _shown(panel)[0] == number[dee])
    finally:
        node.close()


def _save(panel: HistoryPanel, name: str, tmp_path: Path) -> Path:
    """The panel at a side panel's size beside the queue, themed."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    apply_theme(app)
    try:
        panel.resize(420, 760)
        panel.show()
        settle(app)
        path = artifacts_dir(tmp_path) / f"{name}.png"
        assert panel.grab().save(str(path))
    finally:
        app.setStyleSheet(before)
    return path
