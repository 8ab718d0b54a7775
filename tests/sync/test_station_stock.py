"""The Stock panel's read (sync/station_stock.py) on a replica filled by a real sync round: bars in
a barista's order, the amount against par, and LOW / OUT as the routing rule sees them."""

from __future__ import annotations

from collections.abc import Callable

from expresso_desktop.sync.station_stock import Level, StockBar, stock_bars

from .harness import Organiser, StationNode


def _bar(node: StationNode, name: str) -> StockBar:
    return next(b for b in stock_bars(node.replica) if b.name == name)


async def test_bars_say_low_and_out_in_words(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    assert await node.sync()
    names = [b.name for b in stock_bars(node.replica)]
    assert names[:4] == ["milk:full cream", "milk:oat", "milk:skim", "milk:soy"]
    assert names[4:6] == ["coffee beans", "decaf beans"] and names[-1].startswith("cup:")
    oat = _bar(node, "milk:oat")
    assert (oat.label, oat.state, oat.word, oat.fraction) == ("Oat milk", Level.OK, "", 1.0)
    assert oat.amount == "10,000 / 10,000 ml"

    node.tap("stock.consume", item_id=oat.id, qty=9000, generation=0)  # 1,000 left: low
    oat = _bar(node, "milk:oat")
    assert (oat.state, oat.word, oat.amount, oat.fraction) == (
        Level.LOW,
        "LOW",
        "1,000 / 10,000 ml",
        0.1,
    )
    node.tap("stock.mark_out", item_id=oat.id, out=True)
    assert _bar(node, "milk:oat").word == "OUT — marked out"
    node.tap("stock.mark_out", item_id=oat.id, out=False)
    node.tap("stock.consume", item_id=oat.id, qty=1000, generation=0)  # none left
    oat = _bar(node, "milk:oat")
    assert (oat.state, oat.word, oat.fraction) == (Level.OUT, "OUT — none left", 0.0)
