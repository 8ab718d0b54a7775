"""The Inventory screen's reads and actions: each station's stock items as rows (level against
par and the low mark, OK / LOW / OUT), the menu's stock items a station could start tracking,
and the organiser's actions on an item — restock, a physical count, mark out or back in, its
unit and thresholds, a new item.

Every level change is ``services.stock``'s (the one stock rulebook: movements, generations,
alerts on crossings); item set-up is ``services.station_admin``'s. The checks on amounts are
the LAN API's edge checks (server/api_inventory.py), so the window refuses what the API would.
Reads are blocking snapshot reads (run them off the GUI thread); actions are functions of a
``Tx`` and return the item as it is after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core.actors import ORGANISER_CLIENT
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import StockItemSpec
from expresso_desktop.core.routing import stock_words
from expresso_desktop.core.stock import StockState
from expresso_desktop.core.text import check_name
from expresso_desktop.services import station_admin, stock
from expresso_desktop.services.menu_admin import read_menu
from expresso_desktop.services.pairing import StationChoice, station_label
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Station, StockItem

# The LAN API's limits (server/api_inventory.py).
AMOUNT_MAX = 1_000_000
UNIT_MAX = 12
STATE_WORDS = {"ok": "● OK", "low": "▲ LOW", "out": "✕ OUT"}


@dataclass(frozen=True, slots=True)
class StockRow:
    id: int
    station_id: int
    name: str  # the menu's stock item name: "milk:oat", "coffee beans"
    unit: str
    level: float
    low_threshold: float
    par: float
    marked_out: bool  # someone marked it out (routing skips it here until it is back in)
    generation: int  # physical counts so far

    @property
    def label(self) -> str:
        """ "Oat milk", "Large cups", "Coffee beans"."""
        return label_of(self.name)

    @property
    def state(self) -> str:
        """ "out" (marked out, or nothing left), "low" (at or under the low mark) or "ok"."""
        held = StockState(self.level, self.low_threshold, self.marked_out)
        return "out" if held.is_out else "low" if held.is_low else "ok"

    @property
    def state_word(self) -> str:
        word = STATE_WORDS[self.state]
        return f"{word} · marked" if self.marked_out else word

    @property
    def to_par(self) -> float:
        """What a restock back to par adds (0 when the level is at or over par)."""
        return max(0.0, self.par - max(self.level, 0.0))

    @property
    def amount(self) -> str:
        """ "800 of 10,000 ml"; "800 ml" when it has no par."""
        if self.par > 0:
            return f"{quantity(self.level)} of {quantity(self.par)} {self.unit}"
        return f"{quantity(self.level)} {self.unit}"


@dataclass(frozen=True, slots=True)
class ItemLimits:
    """An item's unit and thresholds as a form holds them."""

    unit: str
    low_threshold: float
    par: float


@dataclass(frozen=True, slots=True)
class StationStock:
    """A station's warnings, for the list of stations."""

    low: int
    out: int

    @property
    def text(self) -> str:
        parts = [f"✕ {self.out} out"] if self.out else []
        if self.low:
            parts.append(f"▲ {self.low} low")
        return " · ".join(parts) or "● All stocked"


class StockReads:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self.event_id = event_id

    def stations(self) -> list[StationChoice]:
        with read_session(self._engine) as session:
            return [
                StationChoice(s.id, s.number, station_label(s.number, s.name))
                for s in station_admin.list_stations(session, self.event_id)
                if s.id is not None
            ]

    def items(self, ids: Iterable[int] | None = None) -> list[StockRow]:
        """Every item the event's stations track, or just these ids (removed ones left out)."""
        with read_session(self._engine) as session:
            return stock_rows(session, self.event_id, ids)

    def menu_items(self) -> tuple[StockItemSpec, ...]:
        """The stock items the event's menu knows (what a station may start tracking)."""
        with read_session(self._engine) as session:
            return read_menu(session, self.event_id).stock_items


def stock_rows(session: Session, event_id: int, ids: Iterable[int] | None = None) -> list[StockRow]:
    """Items of the event's stations (removed ones, and those of removed stations, left out)."""
    query = (
        select(StockItem)
        .join(Station, col(Station.id) == col(StockItem.station_id))
        .where(
            Station.event_id == event_id,
            Station.deleted == False,  # noqa: E712
            StockItem.deleted == False,  # noqa: E712
        )
    )
    if ids is not None:
        query = query.where(col(StockItem.id).in_(list(ids)))
    items = session.exec(query.order_by(col(StockItem.station_id), col(StockItem.name))).all()
    return [_row(i) for i in items]


# -- pure helpers for a screen -------------------------------------------------------------------
def label_of(name: str) -> str:
    words = stock_words(name)
    return words[:1].upper() + words[1:]


def quantity(value: float) -> str:
    """ "10,000", "850", "2.5", "-40"."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"


def addable(
    specs: Sequence[StockItemSpec], rows: Iterable[StockRow], station_id: int
) -> list[StockItemSpec]:
    """The menu's stock items ``station_id`` does not track yet, by label."""
    tracked = {r.name for r in rows if r.station_id == station_id}
    return sorted((s for s in specs if s.name not in tracked), key=lambda s: label_of(s.name))


def warnings(rows: Iterable[StockRow]) -> dict[int, StationStock]:
    """Per station (those with items): how many items are low and how many out."""
    counts: dict[int, list[int]] = {}
    for row in rows:
        low_out = counts.setdefault(row.station_id, [0, 0])
        if row.state != "ok":
            low_out[row.state == "out"] += 1
    return {station: StationStock(low, out) for station, (low, out) in counts.items()}


# -- actions (functions of a Tx, for the single writer) --------------------------------------------
def restock_item(tx: Tx, *, item_id: int, qty: float) -> StockRow:
    """More arrived: ``qty`` added (a marked out item is back in)."""
    if not 0 < qty <= AMOUNT_MAX:
        raise ValidationError(f"a restock adds more than 0 and at most {AMOUNT_MAX:,}", field="qty")
    item = stock.get_item(tx.session, item_id)
    return _row(stock.restock(tx, item, qty, client_id=ORGANISER_CLIENT))


def count_item(tx: Tx, *, item_id: int, counted: float) -> StockRow:
    """A physical count: the level is what was counted, from a new count generation."""
    _amount(counted, "count")
    return _row(stock.count(tx, stock.get_item(tx.session, item_id), counted))


def mark_item(tx: Tx, *, item_id: int, out: bool) -> StockRow:
    """Marked out (routing stops sending drinks that need it to its station) or back in."""
    return _row(stock.mark_out(tx, stock.get_item(tx.session, item_id), out))


def set_limits(tx: Tx, *, item_id: int, limits: ItemLimits) -> StockRow:
    """The item's unit, low mark and par level."""
    fields = _limits(limits)
    item = stock.get_item(tx.session, item_id)
    return _row(station_admin.update_item(tx, item, fields))


def add_item(tx: Tx, *, station_id: int, name: str, limits: ItemLimits, level: float) -> StockRow:
    """``station_id`` starts tracking ``name`` with ``level`` on hand."""
    fields: dict[str, object] = {"name": name.strip().lower(), **_limits(limits)}
    if not fields["name"]:
        raise ValidationError("choose an item to add", field="name")
    fields["level"] = _amount(level, "level")
    return _row(station_admin.create_item(tx, station_id=station_id, fields=fields))


def _limits(limits: ItemLimits) -> dict[str, object]:
    unit = limits.unit.strip()
    if not 1 <= len(unit) <= UNIT_MAX:
        raise ValidationError(f"a unit is 1-{UNIT_MAX} characters (ml, g, cups)", field="unit")
    try:
        check_name(unit)
    except ValueError as exc:
        raise ValidationError(str(exc), field="unit") from exc
    return {
        "unit": unit,
        "low_threshold": _amount(limits.low_threshold, "low_threshold"),
        "par": _amount(limits.par, "par"),
    }


def _amount(value: float, field: str) -> float:
    if not 0 <= value <= AMOUNT_MAX:
        raise ValidationError(f"an amount is 0-{AMOUNT_MAX:,}", field=field)
    return float(value)


def _row(item: StockItem) -> StockRow:
    assert item.id is not None
    return StockRow(
        id=item.id,
        station_id=item.station_id,
        name=item.name,
        unit=item.unit,
        level=item.level,
        low_threshold=item.low_threshold,
        par=item.par,
        marked_out=item.out_of_stock,
        generation=item.generation,
    )
