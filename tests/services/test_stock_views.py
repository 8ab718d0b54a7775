"""The Inventory screen's reads and actions (services/stock_views.py) on the demo event: items
as rows with OK / LOW / OUT, and restock, count, mark out, limits and a new item, all through
the stock rulebook (movements, generations, alerts)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders, stock_views
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.stock_views import ItemLimits, StockReads, StockRow
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StockMovement
from tests.services.helpers import station_id, stock_item, write


def row(services: OrganiserServices, station: int, name: str) -> StockRow:
    item_id = stock_item(services, station, name).id
    assert item_id is not None
    (found,) = StockReads(services.engine, services.event_id).items([item_id])
    return found


def test_items_are_rows_with_a_label_an_amount_and_a_state(organiser: OrganiserServices) -> None:
    reads = StockReads(organiser.engine, organiser.event_id)
    rows = reads.items()
    one = station_id(organiser, 1)
    oat = next(r for r in rows if r.station_id == one and r.name == "milk:oat")
    assert (oat.label, oat.amount, oat.state, oat.state_word, oat.to_par) == (
        "Oat milk",
        "10,000 of 10,000 ml",
        "ok",
        "● OK",
        0.0,
    )
    assert [c.label for c in reads.stations()] == [
        "Station 1",
        "Station 2",
        "Station 3 · Garden Bar",
    ]
    assert stock_views.warnings(rows)[one].text == "● All stocked"
    assert {s.name for s in reads.menu_items()} >= {"milk:oat", "cup:large", "coffee beans"}


def test_a_drink_made_takes_its_recipe_and_a_restock_brings_it_back(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    one = station_id(organiser, 1)
    order, _items = write(
        organiser,
        lambda tx: orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=one,
            specs=[DrinkSpec("latte", "large", "oat", quantity=2)],
        ),
    )
    write(organiser, lambda tx: orders.mark_ready(tx, order.id))
    oat = row(organiser, 1, "milk:oat")
    assert oat.level < 10_000 and oat.to_par == 10_000 - oat.level
    back = write(organiser, lambda tx: stock_views.restock_item(tx, item_id=oat.id, qty=oat.to_par))
    assert back.level == 10_000 and heard[-1].stock_item_ids == {oat.id}
    with read_session(organiser.engine) as session:
        restocks = session.exec(
            select(StockMovement).where(
                StockMovement.item_id == oat.id, StockMovement.reason == "restock"
            )
        ).all()
    assert [(m.delta, m.client_id) for m in restocks] == [(oat.to_par, "organiser")]
    with pytest.raises(ValidationError) as refused:
        write(organiser, lambda tx: stock_views.restock_item(tx, item_id=oat.id, qty=0))
    assert refused.value.field == "qty"


def test_marking_out_and_back_in_and_a_count_below_the_low_mark(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    oat = row(organiser, 1, "milk:oat")
    out = write(organiser, lambda tx: stock_views.mark_item(tx, item_id=oat.id, out=True))
    assert (out.state, out.state_word) == ("out", "✕ OUT · marked")
    assert [a.kind for a in heard[-1].alerts] == ["stock_out"]
    back = write(organiser, lambda tx: stock_views.mark_item(tx, item_id=oat.id, out=False))
    assert back.state == "ok"
    counted = write(organiser, lambda tx: stock_views.count_item(tx, item_id=oat.id, counted=1500))
    assert (counted.level, counted.generation, counted.state, counted.state_word) == (
        1500,
        oat.generation + 1,
        "low",
        "▲ LOW",
    )
    assert [a.kind for a in heard[-1].alerts] == ["stock_low"]
    assert stock_views.warnings([counted])[counted.station_id].text == "▲ 1 low"
    empty = write(organiser, lambda tx: stock_views.count_item(tx, item_id=oat.id, counted=0))
    assert empty.state_word == "✕ OUT" and empty.amount == "0 of 10,000 ml"


def test_limits_are_checked_and_saved(organiser: OrganiserServices) -> None:
    oat = row(organiser, 1, "milk:oat")
    saved = write(
        organiser,
        lambda tx: stock_views.set_limits(
            tx, item_id=oat.id, limits=ItemLimits(" L ", low_threshold=3, par=12)
        ),
    )
    assert (saved.unit, saved.low_threshold, saved.par, saved.amount) == (
        "L",
        3,
        12,
        "10,000 of 12 L",
    )
    for limits, field in (
        (ItemLimits("", 1, 2), "unit"),
        (ItemLimits("millilitres!!", 1, 2), "unit"),
        (ItemLimits("ml", -1, 2), "low_threshold"),
        (ItemLimits("ml", 1, 2_000_000), "par"),
    ):
        with pytest.raises(ValidationError) as refused:
            write(
                organiser,
                lambda tx, lim=limits: stock_views.set_limits(tx, item_id=oat.id, limits=lim),
            )
        assert refused.value.field == field


def test_a_station_starts_tracking_an_item_from_the_menu(organiser: OrganiserServices) -> None:
    reads = StockReads(organiser.engine, organiser.event_id)
    two = station_id(organiser, 2)
    specs = reads.menu_items()
    addable = stock_views.addable(specs, reads.items(), two)
    names = [s.name for s in addable]
    assert "milk:oat" not in names and "milk:soy" in names
    soy = next(s for s in addable if s.name == "milk:soy")
    added = write(
        organiser,
        lambda tx: stock_views.add_item(
            tx,
            station_id=two,
            name=soy.name,
            limits=ItemLimits(soy.unit, soy.low, soy.par),
            level=soy.par,
        ),
    )
    assert (added.label, added.amount, added.state) == ("Soy milk", "6,000 of 6,000 ml", "ok")
    assert "milk:soy" not in [s.name for s in stock_views.addable(specs, reads.items(), two)]
    with pytest.raises(ValidationError) as refused:
        write(
            organiser,
            lambda tx: stock_views.add_item(
                tx, station_id=two, name="milk:soy", limits=ItemLimits("ml", 0, 0), level=0
            ),
        )
    assert refused.value.reason == "station already tracks 'milk:soy'"


def test_amounts_read_as_people_write_them() -> None:
    assert [stock_views.quantity(v) for v in (10_000, 850, 2.5, -40, 0)] == [
        "10,000",
        "850",
        "2.5",
        "-40",
        "0",
    ]
    assert stock_views.label_of("cup:large") == "Large cups"
    assert stock_views.label_of("coffee beans") == "Coffee beans"
