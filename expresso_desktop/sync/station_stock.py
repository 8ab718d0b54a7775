"""The Stock panel's read: this station's stock items as bars (level against par, the unit,
low / out in words), read from ``station_queries.stock_levels`` with the states of
``core.stock.StockState`` — a bar says OUT exactly when routing stops sending what needs it.

Marking an item out or back in is ``station_queries.mark_out`` (a tap: the outbox). Reads are
blocking SQLite work: a panel runs them through its op runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from expresso_desktop.core.routing import stock_words
from expresso_desktop.core.stock import StockState

from . import station_queries
from .replica import Replica

# What the panel shows is read from these synced tables (Done / undo move stock too: their
# rounds arrive as ``stock_movements`` and ``stock_items``, a local tap names its order).
STOCK_ENTITIES = frozenset({"stock_items", "stock_movements"})


class Level(StrEnum):
    OK = "ok"
    LOW = "low"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class StockBar:
    id: int
    name: str  # as stored: "milk:oat"
    unit: str
    level: float
    par: float
    low_threshold: float
    marked_out: bool

    @property
    def label(self) -> str:
        """``Oat milk``, ``Large cups``, ``Coffee beans``."""
        words = stock_words(self.name)
        return words[:1].upper() + words[1:]

    @property
    def state(self) -> Level:
        stock = StockState(self.level, self.low_threshold, self.marked_out)
        return Level.OUT if stock.is_out else Level.LOW if stock.is_low else Level.OK

    @property
    def word(self) -> str:
        """What the bar says beside its colour: ``OUT — marked out``, ``OUT — none left``,
        ``LOW``, or nothing."""
        if self.marked_out:
            return "OUT — marked out"
        return {Level.OUT: "OUT — none left", Level.LOW: "LOW", Level.OK: ""}[self.state]

    @property
    def full(self) -> float:
        """The level a full bar stands for: par (the organiser's restock level), or what is
        there when no par is set or more came in."""
        return max(self.par, self.level, 1.0)

    @property
    def fraction(self) -> float:
        return max(0.0, self.level) / self.full

    @property
    def amount(self) -> str:
        """``1,200 / 10,000 ml`` (``1,200 ml`` without a par)."""
        if self.par > 0:
            return f"{self.level:,.0f} / {self.par:,.0f} {self.unit}"
        return f"{self.level:,.0f} {self.unit}"


def _order(bar: StockBar) -> tuple[int, str]:
    """Milks first (the items a barista watches), then beans, the rest, and cups last."""
    kind = bar.name.partition(":")[0] if ":" in bar.name else ""
    group = {"milk": 0, "": 2, "cup": 3}.get(kind, 2)
    if group == 2 and bar.name.endswith("beans"):
        group = 1
    return group, bar.name


def stock_bars(replica: Replica) -> tuple[StockBar, ...]:
    """This station's items as its replica has them (its own taps included)."""
    bars = [
        StockBar(
            id=int(row["id"]),
            name=str(row["name"]),
            unit=str(row["unit"]),
            level=float(row["level"]),
            par=float(row["par"]),
            low_threshold=float(row["low_threshold"]),
            marked_out=bool(row["out_of_stock"]),
        )
        for row in station_queries.stock_levels(replica)
    ]
    return tuple(sorted(bars, key=_order))
