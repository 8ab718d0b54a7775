"""The barista queue follows the sync incrementally: a round that changed one order re-reads
only that order's card, a tap redraws its card at once, and only a download (``everything``)
re-reads the whole queue. Cards show every chip and badge unelided, in lanes or a grid (the
choice remembered); the keyboard selects, bumps and undoes; the all-day strip starts a batch;
a new order rings the chime unless muted. A real organiser (in process) and a station replica
synced through the sync tests' fake network; the window reads through a real op runner."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.services import order_actions, orders
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.replica import Replica, put
from expresso_desktop.sync.station_orders import CardLine
from expresso_desktop.sync.station_service import StationOrder, StationService, StationView, Tapped
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.barista.order_card import (
    MARGIN,
    PAD,
    CardDelegate,
    CardLayout,
    CardMore,
    CardPicked,
    CardTapped,
)
from expresso_desktop.ui.barista.queue_board import CardView, QueueBoard
from expresso_desktop.ui.barista.queue_model import QueueModel
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.theme import apply_theme
from tests.sync.harness import Organiser, StationNode
from tests.ui.artifacts import artifacts_dir, save_screenshot, settle


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

    def arrive(self, qtbot: Any, make: Any) -> Any:
        """The organiser makes orders (``make()``); a round brings them live."""
        made = make()
        rows = self.window.model.rowCount()
        self.signals.replica_changed.emit(self.sync())
        qtbot.waitUntil(lambda: self.window.model.rowCount() > rows)
        qtbot.waitUntil(lambda: not self.window.reads.busy)
        return made

    def layout(self, order_id: str) -> CardLayout:
        return self.window.delegate.layout_for(self.shown(order_id), 300)


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
        with node.replica.write() as conn:  # paired (the harness's network needs no address)
            put(conn, "server_url", "https://127.0.0.1:1")
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
    assert station.shown(ana).status is OrderStatus.IN_PROGRESS  # in this frame, before the write
    qtbot.waitUntil(lambda: len(station.service.calls) == 2 and not station.window.reads.busy)
    assert station.service.calls == [
        ("tap", frozenset({ana})),
        ("queue_orders", frozenset({ana})),
    ]
    assert station.shown(ana).status is OrderStatus.IN_PROGRESS  # the written row confirms it


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


DECAF_SHOT = DrinkSpec("flat white", "large", "oat", 1, 1, ("decaf", "extra shot", "vanilla"))


def _busy_service(qtbot: Any, station: Station) -> dict[str, str]:
    """A VIP's decaf with an extra shot and notes, a walk-in, a group of three."""
    sid = station.node.station_id

    def vip(tx: Any, event_id: int) -> str:
        order, _ = orders.store_order(
            tx, event_id=event_id, station_id=sid, vip=True, customer_name="Zoe Hart",
            specs=[DECAF_SHOT, DrinkSpec("long black", "small", "none")],
            notes="Allergic to nuts: clean the steam wand",
        )  # fmt: skip
        return order.id

    def walk_in(tx: Any, event_id: int) -> str:
        specs = [DrinkSpec("latte", "medium", "soy", quantity=2, extras=("iced",))]
        order, _ = orders.store_order(
            tx, event_id=event_id, station_id=sid, specs=specs, source="walk_in"
        )
        return order.id

    def group(tx: Any, event_id: int) -> list[str]:
        members = [
            order_actions.GroupMemberIn(n, {"drink": "cappuccino", "milk": "oat"})
            for n in ("Gus", "Hal", "Ivy")
        ]
        _, made = order_actions.create_group(
            tx, event_id=event_id, menu=station.org.services.menu, organiser_name="Gus",
            station_id=sid, members=members,
        )  # fmt: skip
        return [o.id for o in made]

    services = station.org.services

    def written(write: Any) -> Any:
        return lambda: services.writer.run_sync(lambda tx: write(tx, services.event_id))

    return {
        "vip": station.arrive(qtbot, written(vip)),
        "walk_in": station.arrive(qtbot, written(walk_in)),
        "group": station.arrive(qtbot, written(group))[1],
    }


def test_cards_show_every_chip_and_badge_in_lanes_nothing_elided(
    qtbot: Any, station: Station, tmp_path: Path
) -> None:
    made = _busy_service(qtbot, station)
    window = station.window
    vip = station.layout(made["vip"])
    assert vip.chip_texts("modifier") == ["1 sugar", "decaf", "extra shot", "vanilla"]
    assert vip.chip_texts("milk") == ["oat"]  # the long black has no milk chip
    assert vip.chip_texts("badge") == ["★ VIP"]
    assert [text for text, _ in vip.lines] == ["1 × large flat white", "1 × small long black"]
    assert vip.notes is not None and vip.notes[0].startswith("Allergic")
    fonts = window.delegate.fonts
    for chip in vip.chips:  # each chip as wide as its whole text, inside the card
        font = fonts.badge if chip.kind == "badge" else fonts.chip
        assert chip.rect.width() >= QFontMetrics(font).horizontalAdvance(chip.text)
        assert chip.rect.right() <= vip.width - PAD
    rows = {chip.rect.top() for chip in vip.chips if chip.kind == "modifier"}
    assert len(rows) >= 2  # wrapped onto another line, and the card grew to fit
    assert vip.height > station.layout(station.orders[0]).height
    assert station.layout(made["walk_in"]).chip_texts() == ["WALK-IN", "soy", "iced"]
    assert station.layout(made["group"]).chip_texts("badge") == ["GROUP 2/3"]

    # Lanes: the VIP first among the new orders.
    new_lane = window.board.lanes[OrderStatus.NEW]
    assert new_lane.index(0, 0).data(Qt.ItemDataRole.DisplayRole).endswith("Zoe Hart")
    window.delegate.tapped.emit(CardTapped(station.shown(station.orders[1]), Action.START))
    qtbot.waitUntil(lambda: window.board.lanes[OrderStatus.IN_PROGRESS].rowCount() == 1)
    assert window.board.lane_titles[OrderStatus.IN_PROGRESS].text() == "◐ Making  1"
    qtbot.waitUntil(lambda: not window.undo_bar.isHidden())  # the tap written
    window.undo_bar.dismiss()
    save_screenshot(window, "barista-queue-lanes", tmp_path)


def test_the_grid_is_chosen_and_remembered(qtbot: Any, station: Station, tmp_path: Path) -> None:
    _busy_service(qtbot, station)
    window = station.window
    window.grid_button.click()
    assert window.board.currentWidget() is window.board.grid
    qtbot.waitUntil(lambda: station.service.prefs().layout == "grid")
    save_screenshot(window, "barista-queue-grid", tmp_path)
    window.choose_layout("lanes")
    qtbot.waitUntil(lambda: station.service.prefs().layout == "lanes")
    window.refresh()  # as after a restart: the remembered choice comes back
    qtbot.waitUntil(lambda: not window.reads.busy)
    assert window.board.currentIndex() == 0 and window.lanes_button.isChecked()


def test_the_keyboard_selects_bumps_and_undoes(
    qtbot: Any, station: Station, tmp_path: Path
) -> None:
    window = station.window
    ana, ben, _cy = station.orders
    qtbot.keyClick(window, Qt.Key.Key_2)
    assert window.selected_order() is not None and window.selected_order().id == ben  # type: ignore[union-attr]
    qtbot.keyClick(window, Qt.Key.Key_Up)
    assert window.delegate.marks.selected == ana
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert station.shown(ana).status is OrderStatus.IN_PROGRESS  # at once
    qtbot.waitUntil(lambda: not window.undo_bar.isHidden())  # once the tap is written
    number = station.shown(ana).number
    assert window.undo_bar.text.text() == f"{number} started"
    assert window.undo_bar.button.minimumHeight() >= 48
    save_screenshot(window, "barista-undo", tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: station.shown(ana).status is OrderStatus.NEW)
    assert window.undo_bar.isHidden()
    assert [(r.name, r.args.get("base_status")) for r in station.node.outbox()] == [
        ("order.start", None),
        ("order.undo", "in_progress"),
    ]


def test_the_all_day_strip_starts_a_batch(qtbot: Any, station: Station) -> None:
    window = station.window
    qtbot.waitUntil(lambda: bool(window.all_day.buttons))
    (lattes,) = window.all_day.buttons.values()
    assert lattes.text() == "3 latte"
    lattes.click()
    assert window.delegate.marks.batch == frozenset(station.orders)
    assert window.all_day.start_button.text() == "Start 3"
    window.all_day.start_button.click()
    qtbot.waitUntil(lambda: all(o.status is OrderStatus.IN_PROGRESS for o in window.model.orders()))
    assert [r.name for r in station.node.outbox()] == ["order.start"] * 3  # one record each
    qtbot.waitUntil(lambda: window.all_day.done_button.text() == "Done 3")
    assert window.undo_bar.text.text() == "3 orders started"


def test_a_new_order_rings_the_chime_unless_muted(qtbot: Any, station: Station) -> None:
    window = station.window
    assert window.chime.requested == 0  # the first download is not news
    sid = station.node.station_id
    station.arrive(qtbot, lambda: station.org.add_order(sid, "Dee"))
    assert window.chime.requested == 1
    window.sound_button.click()
    assert window.prefs.muted and window.sound_button.text() == "Muted"
    station.arrive(qtbot, lambda: station.org.add_order(sid, "Eve"))
    assert window.chime.requested == 1


# -- the board on its own: many cards, painted only where they are seen ---------------------------
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _order(n: int, status: OrderStatus = OrderStatus.NEW) -> StationOrder:
    drink = DrinkSpec("latte", "large", "oat", 0, 1, ("extra shot",))
    line = CardLine(1, "large", "latte", "oat", ("extra shot",))
    return StationOrder(
        f"o{n:03}", f"A{n:03}", status, f"Guest {n}", (drink,), T0 + timedelta(minutes=n), (line,)
    )


class Paints(QObject):
    """Counts the paints of each card view."""

    def __init__(self, views: Iterable[CardView]) -> None:
        super().__init__()
        self.count = {view: 0 for view in views}
        self._of = {view.viewport(): view for view in self.count}
        for viewport in self._of:
            viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched in self._of:
            self.count[self._of[watched]] += 1  # type: ignore[index]
        return False

    def clear(self) -> None:
        self.count = dict.fromkeys(self.count, 0)


@pytest.fixture
def board(qtbot: Any) -> QueueBoard:
    board = QueueBoard(QueueModel(), CardDelegate())
    qtbot.addWidget(board)
    board.resize(1200, 700)
    board.show()
    qtbot.waitExposed(board)
    board.model.update([_order(n) for n in range(40)])
    qtbot.waitUntil(lambda: board.lane_views[OrderStatus.NEW].verticalScrollBar().maximum() > 0)
    return board


def _idle() -> None:
    app = QApplication.instance()
    assert app is not None
    for _ in range(3):
        app.processEvents()


def test_a_new_order_below_the_screen_paints_no_card_and_a_tap_only_its_two_lanes(
    qtbot: Any, board: QueueBoard
) -> None:
    new, making, ready = board.lane_views.values()
    paints = Paints(board.lane_views.values())
    _idle()
    paints.clear()
    bar = new.verticalScrollBar()
    bottom = bar.maximum()
    board.model.patch({"o099": _order(99)})  # the youngest: last in the New lane
    _idle()
    assert paints.count == {new: 0, making: 0, ready: 0}
    assert bar.maximum() == bottom + board.delegate.size_for(_order(99)).height()
    assert board.lane_titles[OrderStatus.NEW].text() == "○ New  41"

    first = board.lanes[OrderStatus.NEW].order_at(0)
    board.model.patch({first.id: replace(first, status=OrderStatus.IN_PROGRESS)})
    qtbot.waitUntil(lambda: paints.count[new] > 0 and paints.count[making] > 0)
    _idle()
    assert paints.count[ready] == 0  # past the ten keyed cards: nothing there moved
    assert board.lanes[OrderStatus.IN_PROGRESS].orders() == [board.model.order(first.id)]
    assert board.at(40) == board.model.order(first.id)  # the New lane, then Making
    assert board.position_of(first.id) == 40


def test_a_card_is_tapped_where_its_buttons_are_even_scrolled(
    qtbot: Any, board: QueueBoard
) -> None:
    delegate, view = board.delegate, board.lane_views[OrderStatus.NEW]

    def click(row: int, where: str) -> None:
        order = board.lanes[OrderStatus.NEW].order_at(row)
        card = delegate.layout_for(order, delegate.width)
        spot = {
            "button": card.button.center(),
            "more": card.more.center(),
            "name": card.name_rect.center(),
        }
        at = view.card_rect(row).topLeft() + QPoint(MARGIN, MARGIN) + spot[where]
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)

    with qtbot.waitSignal(delegate.tapped) as tapped:
        click(0, "button")
    assert tapped.args == [CardTapped(_order(0), Action.START)]
    with qtbot.waitSignal(delegate.more) as more:
        click(1, "more")
    assert isinstance(more.args[0], CardMore) and more.args[0].order == _order(1)

    board.reveal("o039")  # the last card: scrolled to
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum() > 0
    with qtbot.waitSignal(delegate.picked) as picked:
        click(39, "name")
    assert picked.args == [CardPicked(_order(39))]
    with qtbot.waitSignal(delegate.tapped) as tapped:
        click(39, "button")
    assert tapped.args == [CardTapped(_order(39), Action.START)]


def test_the_grid_lays_cards_in_rows_and_numbers_the_first_ten(board: QueueBoard) -> None:
    board.show_layout("grid")
    _idle()
    grid, delegate = board.grid, board.delegate
    cell = delegate.width + 2 * MARGIN
    columns = grid.viewport().width() // cell
    assert columns >= 2
    assert [grid.card_rect(n).left() for n in range(columns)] == [n * cell for n in range(columns)]
    row_height = max(grid.card_rect(n).height() for n in range(columns))
    assert grid.card_rect(columns).topLeft() == QPoint(0, row_height)
    index = board.model.index(9)
    assert board.key_of(index) == 10 and board.key_of(board.model.index(10)) is None
    assert board.at(3) == _order(3) and board.count() == 40
    assert all(view.model() is None for view in board.lane_views.values())  # hidden: empty


def test_high_contrast_cards_are_white_on_black(
    qtbot: Any, station: Station, tmp_path: Path
) -> None:
    made = _busy_service(qtbot, station)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window, before = station.window, app.styleSheet()
    view = window.board.lane_views[OrderStatus.NEW]

    def card_fill() -> QColor:
        """A pixel of the first New card's face, just under its buttons."""
        card = window.delegate.layout_for(window.board.at(0), window.delegate.width)  # type: ignore[arg-type]
        inside = view.card_rect(0).topLeft() + QPoint(
            MARGIN + card.width // 2, MARGIN + card.height - 8
        )
        return window.grab().toImage().pixelColor(view.viewport().mapTo(window, inside))

    window.show()
    try:
        apply_theme(app, high_contrast=True)
        window.delegate.set_high_contrast(True)
        window.resize(1280, 800)
        settle(app)
        assert window.board.at(0).id == made["vip"]  # type: ignore[union-attr]
        assert card_fill().lightness() < 40
        assert window.grab().save(str(artifacts_dir(tmp_path) / "barista-queue-high-contrast.png"))
        window.delegate.set_high_contrast(False)
        apply_theme(app)
        window.board.repaint_cards()
        settle(app)
        assert card_fill().lightness() > 215
    finally:
        app.setStyleSheet(before)
