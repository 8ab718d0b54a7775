"""The card's ⋯ menu and cup labels on a real station replica fed by a real (in-process)
organiser: Move offers only the stations that can make the order now (one without oat milk is
shown disabled with why), Cancel with a reason reaches the organiser with the reason, Re-notify
and a message queue the customer's texts, Print label writes a one-page PDF, and auto-print
prints on this station's own Start when its settings say so."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QPushButton

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.station_settings import key_for
from expresso_desktop.sync.card_actions import CupLabel, LabelLine
from expresso_desktop.sync.events import Notice, ReplicaChanged
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.card_menu import CardActed, CardTools
from expresso_desktop.ui.barista.label_printer import LabelPrinted, label_image, label_printer
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.barista.order_card import CardMore
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.theme import apply_theme
from tests.sync.customer_orders import texted_order, texts_of
from tests.sync.harness import Organiser, StationNode
from tests.sync.test_card_actions import change_station
from tests.ui.artifacts import artifacts_dir, settle

OAT = DrinkSpec("latte", "large", "oat")
DECAF = DrinkSpec("flat white", "medium", "oat", sugar=1, extras=("extra shot", "decaf"))


@dataclass(frozen=True)
class Shown:
    """A card's order as the menu needs it."""

    id: str
    number: str
    customer_name: str


@dataclass
class Bar:
    org: Organiser
    node: StationNode
    signals: SyncSignals
    tools: CardTools
    pdf: Path
    heard: list[ReplicaChanged]
    notices: list[Notice]

    def sync(self) -> None:
        assert asyncio.run(self.node.sync())

    def card(self, order_id: str) -> Shown:
        order = self.org.order(order_id)
        return Shown(order_id, order.number or "", order.customer_name or "")

    def open(self, qtbot: Any, order_id: str) -> None:
        self.tools.menu.open_for(self.card(order_id))
        qtbot.waitUntil(lambda: self.tools.menu.options is not None)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Organiser]:
    """One organiser for the module (each test its own orders and its own station device)."""
    org = Organiser(tmp_path_factory.mktemp("org"))
    org.seed()
    change_station(org, 2, capabilities_json={"drinks": ["latte"], "milks": ["full cream"]})
    yield org
    org.close()


@pytest.fixture
def bar(qtbot: Any, tmp_path: Path, org: Organiser) -> Iterator[Bar]:
    node = StationNode(org, tmp_path / "station.db", org.station_ids()[0])
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    signals = SyncSignals()
    pdf = tmp_path / "label.pdf"
    tools = CardTools(node.replica, ops, signals, printer=lambda: label_printer(pdf))
    qtbot.addWidget(tools.menu)
    bar = Bar(org, node, signals, tools, pdf, [], [])
    signals.replica_changed.connect(bar.heard.append)
    signals.notice.connect(bar.notices.append)
    try:
        yield bar
    finally:
        tools.menu.close()
        ops.close()
        host.stop()
        node.close()


def _buttons(widget: Any) -> dict[str, QPushButton]:
    return {b.text(): b for b in widget.findChildren(QPushButton) if b.isVisibleTo(widget)}


def test_move_offers_only_stations_that_can_make_it(qtbot: Any, bar: Bar, tmp_path: Path) -> None:
    order_id = texted_order(bar.org, bar.node.station_id, "Sam Lee", drinks=(OAT,))
    bar.sync()
    (card,) = StationService(bar.node.replica, bar.org.services.menu).queue()
    bar.tools.open_menu(CardMore(card, QPoint(640, 300)))  # the window's ⋯ on that card
    menu = bar.tools.menu
    qtbot.waitUntil(lambda: menu.options is not None)
    assert menu.isVisible() and menu.title.text() == f"{card.number} · Sam"
    assert menu.move_button.isEnabled() and not menu.renotify_button.isEnabled()
    assert "only a ready order" in menu.why_not.text()
    _save_dialog(menu, "barista-card-menu", tmp_path)
    assert all(b.height() >= 56 for b in _buttons(menu.main_page).values())  # themed

    menu.move_button.click()
    assert menu.pages.currentWidget() is menu.move_page
    _save_dialog(menu, "barista-card-menu-move", tmp_path)
    targets = _buttons(menu.move_page)
    assert not targets["Station 2 can't make oat milk drinks"].isEnabled()  # why names it
    acted: list[CardActed] = []
    menu.acted.connect(acted.append)
    targets["Garden Bar"].click()
    qtbot.waitUntil(lambda: bool(acted))
    garden = bar.org.station_ids()[2]
    assert (bar.node.order(order_id) or {})["station_id"] == garden  # at once, here
    assert order_id in bar.heard[-1].order_ids  # the queue and panels are told
    assert bar.notices[-1].message == f"{acted[0].what}"
    bar.sync()
    assert bar.org.order(order_id).station_id == garden


def test_cancel_with_a_reason_reaches_the_organiser(qtbot: Any, bar: Bar, tmp_path: Path) -> None:
    order_id = texted_order(bar.org, bar.node.station_id, "Ana")
    bar.sync()
    bar.open(qtbot, order_id)
    menu = bar.tools.menu
    menu.cancel_button.click()
    menu.confirm_cancel.click()  # no reason yet: asked for one
    assert "reason" in menu.error.text()
    menu.reason_buttons[0].click()
    _save_dialog(menu, "barista-card-menu-cancel", tmp_path)
    menu.confirm_cancel.click()
    qtbot.waitUntil(lambda: not menu.isVisible())
    bar.sync()
    order = bar.org.order(order_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "we've run out of what it needs")


def test_re_notify_and_a_message_text_the_customer(qtbot: Any, bar: Bar, tmp_path: Path) -> None:
    order_id = texted_order(bar.org, bar.node.station_id, "Ben Ng", phone="+61400000021")
    for verb in ("order.start", "order.ready"):
        bar.org.do(verb, order_id=order_id)
    bar.sync()
    bar.open(qtbot, order_id)
    menu = bar.tools.menu
    assert menu.renotify_button.isEnabled()
    menu.renotify_button.click()
    qtbot.waitUntil(lambda: not menu.isVisible())

    bar.open(qtbot, order_id)
    menu.message_button.click()
    assert menu.options is not None
    template = menu.options.templates[1]
    assert not menu.send_button.isEnabled()  # nothing to send yet
    _buttons(menu.msg_page)[template.title].click()
    assert menu.body.toPlainText() == template.text and menu.send_button.isEnabled()
    _save_dialog(menu, "barista-card-menu-message", tmp_path)
    menu.send_button.click()
    qtbot.waitUntil(lambda: not menu.isVisible())
    bar.sync()
    kinds = [(t.kind, t.body) for t in texts_of(bar.org, order_id)]
    assert kinds[-2][0] == "ready" and kinds[-1] == ("manual", template.text)


def test_print_label_writes_one_page(qtbot: Any, bar: Bar, tmp_path: Path) -> None:
    order_id = texted_order(bar.org, bar.node.station_id, "Sam Lee", drinks=(DECAF, OAT))
    bar.sync()
    printed: list[LabelPrinted] = []
    bar.tools.labels.printed.connect(printed.append)
    bar.open(qtbot, order_id)
    bar.tools.menu.print_button.click()
    qtbot.waitUntil(lambda: bool(printed))
    number = bar.org.order(order_id).number
    assert printed == [LabelPrinted(order_id, number or "", str(bar.pdf))]
    data = bar.pdf.read_bytes()
    assert (
        data.startswith(b"%PDF")
        and data.count(b"/Type /Page\n")
        + data.count(b"/Type /Page\r")
        + data.count(b"/Type /Page/")
        + data.count(b"/Type /Page ")
        == 1
    )

    label = bar.tools.actions.label(order_id)
    image, painted = label_image(label)
    assert painted == [
        number,
        "Sam",
        "flat white · oat",
        "1 SUGAR, EXTRA SHOT, DECAF",
        "large latte · oat",
    ]
    assert not image.isNull()
    assert image.save(str(artifacts_dir(tmp_path) / "barista-label.png"))


def test_auto_print_on_this_station_s_start(qtbot: Any, bar: Bar) -> None:
    station = bar.node.station_id or 0
    for name in ("label_printing", "auto_print"):
        bar.org.do("settings.set", key=key_for(station, name), value=True, base_version=0)
    mine = texted_order(bar.org, station, "Cy")
    started_there = texted_order(bar.org, station, "Dee")
    bar.org.do("order.start", order_id=started_there)  # not a Start at this station
    bar.sync()
    printed: list[LabelPrinted] = []
    bar.tools.labels.printed.connect(printed.append)
    bar.signals.replica_changed.emit(ReplicaChanged(order_ids=frozenset({started_there})))
    bar.node.tap("order.start", order_id=mine)  # what the window's Start records
    bar.signals.replica_changed.emit(ReplicaChanged(order_ids=frozenset({mine})))
    qtbot.waitUntil(lambda: bool(printed))
    bar.signals.replica_changed.emit(ReplicaChanged(order_ids=frozenset({mine})))  # again
    assert bar.tools.auto_print.printed_ids == {mine}  # once: the second names it for nothing
    assert [p.order_id for p in printed] == [mine]
    assert bar.pdf.stat().st_size > 0


def test_a_label_paints_every_modifier_even_a_long_one() -> None:
    label = CupLabel(
        "A042",
        "Alexandrina",
        (LabelLine("2× large latte", "macadamia", ("extra shot", "decaf", "half strength")),),
        "Station 1",
    )
    _image, painted = label_image(label)
    assert painted[-1] == "EXTRA SHOT, DECAF, HALF STRENGTH"


def _save_dialog(dialog: Any, name: str, tmp_path: Path) -> Path:
    """A dialog at its own size, themed (the window's screenshot helper sizes to 1280x800)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    apply_theme(app)
    try:
        dialog.adjustSize()
        settle(app)
        path = artifacts_dir(tmp_path) / f"{name}.png"
        assert dialog.grab().save(str(path))
    finally:
        app.setStyleSheet(before)
    return path
