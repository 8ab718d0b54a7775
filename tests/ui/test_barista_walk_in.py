"""The walk-in dialog on a real replica synced with a real organiser (in process): it offers only
what this station can make now (soy marked out: no soy button, a note saying why), builds the
order by touch and by typed words (the same parser, the event's menu), and places it through
the outbox — in the replica at once, at the organiser after a sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.sync.station_stock import stock_bars
from expresso_desktop.ui.barista.station_app import StationApp
from expresso_desktop.ui.barista.walk_in_dialog import TOUCH_PX, WalkInDialog, WalkInPlaced
from tests.ui.artifacts import save_screenshot

from .station_parts import StationParts, station_parts, themed


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[StationParts]:
    with station_parts(tmp_path) as station, themed():
        soy = next(b for b in stock_bars(station.node.replica) if b.name == "milk:soy")
        station.node.tap("stock.mark_out", item_id=soy.id, out=True)  # soy is out here
        yield station


@pytest.fixture
def dialog(qtbot: Any, parts: StationParts) -> WalkInDialog:
    dialog = WalkInDialog(service=parts.service, ops=parts.ops, signals=parts.signals)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.station_menu is not None)
    return dialog


def tap(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_soy_is_not_offered_and_a_note_says_why(qtbot: Any, dialog: WalkInDialog) -> None:
    assert "chai latte" not in dialog.drinks.offered()  # station 1 makes no chai: simply absent
    tap(qtbot, dialog.drinks.button("latte"))
    assert dialog.milks.offered() == ("full cream", "skim", "oat", "none")
    assert dialog.milks.notes.text() == "Soy: out" and dialog.milks.notes.isVisibleTo(dialog)
    assert dialog.milks.chosen() == ("full cream",) and dialog.sizes.chosen() == ("medium",)
    qtbot.waitUntil(lambda: all(b.height() >= TOUCH_PX for b in dialog.drinks.group.buttons()))

    dialog.text.setText("soy flat white for Kim")  # typed: the same rule refuses it
    tap(qtbot, dialog.read_button)
    assert dialog.notice.text() == "soy flat white: Station 1 is out of soy milk"
    assert dialog.lines == [] and dialog.name.text() == "Kim"
    dialog.reject()


def test_a_walk_in_built_by_touch_and_words_is_placed_through_the_outbox(
    qtbot: Any, dialog: WalkInDialog, parts: StationParts, tmp_path: Path
) -> None:
    tap(qtbot, dialog.drinks.button("latte"))
    tap(qtbot, dialog.sizes.button("large"))
    tap(qtbot, dialog.milks.button("oat"))
    tap(qtbot, dialog.extras.button("extra shot"))
    tap(qtbot, dialog.more)
    qtbot.keyClicks(dialog.name, "Sam")
    assert dialog.summary.text() == "2× large oat latte, extra shot — for Sam"
    assert dialog.extras.button("extra shot").text() == "✓ Extra shot"  # chosen: a mark too
    save_screenshot(dialog, "barista-walk-in", tmp_path)

    tap(qtbot, dialog.add_button)
    assert dialog.current() is None and len(dialog.lines) == 1
    dialog.text.setText("a flat white")
    tap(qtbot, dialog.read_button)
    assert dialog.notice.text() == "" and dialog.text.text() == ""
    expected = [
        DrinkSpec("latte", "large", "oat", quantity=2, extras=("extra shot",)),
        DrinkSpec("flat white", "medium", "full cream"),
    ]
    assert dialog.order_items() == expected

    with qtbot.waitSignal(dialog.placed) as placed:
        tap(qtbot, dialog.place_button)
    done = placed.args[0]
    assert isinstance(done, WalkInPlaced)
    order = parts.node.order(done.order_id)
    assert order is not None and order["customer_name"] == "Sam"  # in the replica at once
    (shown,) = parts.service.queue_orders([done.order_id]).values()
    assert shown is not None and list(shown.items) == expected

    parts.sync()
    with read_session(parts.org.services.engine) as session:
        at_organiser = session.get(Order, done.order_id)
        assert at_organiser is not None and at_organiser.source == "walk_in"
        assert at_organiser.station_id == parts.station_id and at_organiser.number
    assert not dialog.reads.busy  # placed and closed: it reads no more


def test_the_station_opens_this_dialog_and_shows_its_stock_and_today_tabs(
    qtbot: Any, tmp_path: Path
) -> None:
    app = StationApp(AppPaths(tmp_path / "station"), StationOptions())
    qtbot.addWidget(app.window)
    app.host.start()  # its ops only: never paired, nothing to sync
    try:
        tabs = app.window.side_panels
        titles = [tabs.tabText(i) for i in range(tabs.count())]
        assert {"Stock", "Today"} <= set(titles)
        tap(qtbot, app.window.walk_in_button)
        dialog = app.window.findChild(WalkInDialog)
        assert dialog is not None and dialog.isVisible()
        # Not paired yet: the default menu, nothing ruled out.
        qtbot.waitUntil(lambda: dialog.station_menu is not None)
        assert "chai latte" in dialog.drinks.offered()
        dialog.reject()
        qtbot.waitUntil(lambda: not app.ops.busy)
    finally:
        app.close()
