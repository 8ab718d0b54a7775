"""The menu a station works with — the event's, as its replica holds it (``menu_configs``; the
default menu before one arrives) — and what this station can make with it now.

What it can make is the organiser's own rule (``core.routing.StationView.why_not``: the
station's capabilities and its stock), asked of every choice a walk-in offers: a drink, a size,
a milk or an extra is offered only when some drink with it can be made here now. A choice this
station could make but whose stock is out (marked out, or none left) is not offered either, and
comes back as a note ("Soy: out") so the barista knows why it is missing; one the station does
not make at all is simply absent. Reads are blocking SQLite work (run them through ops).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.routing import (
    StationView,
    Unmakeable,
    capabilities,
    stock_states,
    stock_words,
)
from expresso_desktop.core.stock import consumption, cup_key, event_menu, milk_key, missing_for
from expresso_desktop.store import sync_rows

from .replica import Replica, get

# The most of one drink a walk-in line offers (a bigger round is several lines).
MAX_WALK_IN_QUANTITY = 20

# The specs that stand for a choice (it is makeable when any of them is), and the stock item
# that is the choice itself (``milk:soy`` for soy), if any.
_Tries = Callable[[str], Iterable[DrinkSpec]]
_OwnKey = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Options:
    """One step's choices: ``offered`` in menu order, and ``notes`` on what is out ("Soy: out")."""

    offered: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StationMenu:
    """The event's menu and this station as routing sees it (``station`` None: the replica
    knows no station yet, and nothing is ruled out)."""

    menu: Menu
    station: StationView | None

    def why_not(self, spec: DrinkSpec) -> Unmakeable | None:
        """What stops this station making ``spec`` now (None: nothing) — the routing rule."""
        return None if self.station is None else self.station.why_not(spec, self.menu)

    def drinks(self) -> Options:
        return self._options(
            self.menu.drink_names,
            lambda drink: (
                DrinkSpec(drink, size, milk)
                for size in self._sizes_first()
                for milk in self._milks_first(drink)
            ),
            own_key=lambda _drink: None,
        )

    def sizes(self, drink: str) -> Options:
        return self._options(
            self.menu.size_names,
            lambda size: (DrinkSpec(drink, size, milk) for milk in self._milks_first(drink)),
            own_key=cup_key,
        )

    def milks(self, drink: str, size: str) -> Options:
        return self._options(
            self._milks_first(drink), lambda milk: (DrinkSpec(drink, size, milk),), own_key=milk_key
        )

    def extras(self, spec: DrinkSpec) -> Options:
        """Extras that fit ``spec`` (its own extras kept): each offered when the drink with it
        can be made."""

        def with_extra(extra: str) -> Iterable[DrinkSpec]:
            extras = spec.extras if extra in spec.extras else (*spec.extras, extra)
            return (replace(spec, quantity=1, extras=extras),)

        return self._options(self.menu.extra_names, with_extra, own_key=lambda _extra: None)

    def max_quantity(self, spec: DrinkSpec) -> int:
        """How many of ``spec`` this station can make now in one line (0: none), up to
        ``MAX_WALK_IN_QUANTITY``: the stock left decides, through the same rule."""
        most = 0
        for quantity in range(1, MAX_WALK_IN_QUANTITY + 1):
            if self.why_not(replace(spec, quantity=quantity)) is not None:
                break
            most = quantity
        return most

    def default_milk(self, drink: str, offered: Iterable[str]) -> str | None:
        """The milk to start ``drink`` with: the menu's default for it when offered."""
        offered = tuple(offered)
        wanted = self.menu.default_milk_for(drink)
        return wanted if wanted in offered else (offered[0] if offered else None)

    def default_size(self, offered: Iterable[str]) -> str | None:
        offered = tuple(offered)
        wanted = self.menu.default_size
        return wanted if wanted in offered else (offered[0] if offered else None)

    # -- the one walk over the choices ---------------------------------------------------------
    def _options(
        self,
        choices: Iterable[str],
        tries: _Tries,
        *,
        own_key: _OwnKey,
    ) -> Options:
        offered: list[str] = []
        notes: list[str] = []
        for choice in choices:
            out: tuple[DrinkSpec, Unmakeable] | None = None
            for spec in tries(choice):
                why = self.why_not(spec)
                if why is None:
                    offered.append(choice)
                    break
                if why.part == "stock" and out is None:
                    out = (spec, why)
            else:
                if out is not None:
                    notes.append(self._out_note(choice, out[0], own_key(choice)))
        return Options(tuple(offered), tuple(notes))

    def _out_note(self, choice: str, spec: DrinkSpec, own: str | None) -> str:
        """``Soy: out`` when the choice's own stock is out, ``Latte: out of coffee beans``."""
        stock = self.station.stock if self.station is not None else {}
        short = missing_for(consumption(spec, self.menu), stock)
        title = choice[:1].upper() + choice[1:]
        if not short or short[0] == own:
            return f"{title}: out"
        return f"{title}: out of {stock_words(short[0])}"

    def _sizes_first(self) -> tuple[str, ...]:
        """Sizes, the default first (the likeliest to be makeable: found sooner)."""
        default = self.menu.default_size
        return (default, *(s for s in self.menu.size_names if s != default))

    def _milks_first(self, drink: str) -> tuple[str, ...]:
        default = self.menu.default_milk_for(drink)
        return (default, *(m for m in self.menu.milk_names if m != default))


def read_event_menu(replica: Replica) -> Menu:
    """The event's menu as this replica has it (the default menu before one arrives)."""
    with replica.read() as conn:
        return _event_menu(conn, _station(conn))


def read_station_menu(replica: Replica) -> StationMenu:
    """The event's menu and what this station can make with it now."""
    with replica.read() as conn:
        station = _station(conn)
        menu = _event_menu(conn, station)
        return StationMenu(menu, None if station is None else _view(conn, station))


def _station(conn: Connection) -> dict[str, Any] | None:
    mine = get(conn, "station_id")
    row = sync_rows.read_image(conn, "stations", mine) if mine else None
    return None if row is None or row["deleted"] else row


def _event_menu(conn: Connection, station: dict[str, Any] | None) -> Menu:
    t = sync_rows.table("menu_configs")
    query = sa.select(t.c.menu_json).where(t.c.deleted == sa.false())
    if station is not None:
        query = query.where(t.c.event_id == station["event_id"])
    stored = conn.execute(query.order_by(t.c.event_id).limit(1)).scalar()
    return event_menu(stored if isinstance(stored, dict) else None)


def _view(conn: Connection, station: dict[str, Any]) -> StationView:
    t = sync_rows.table("stock_items")
    rows = conn.execute(
        sa.select(t).where(t.c.station_id == station["id"], t.c.deleted == sa.false())
    ).mappings()
    drinks, milks, extras = capabilities(station["capabilities_json"])
    number = int(station["number"])
    return StationView(
        id=str(station["id"]),
        number=number,
        name=str(station.get("name") or f"Station {number}"),
        status=str(station["status"]),
        drinks=drinks,
        milks=milks,
        extras=extras,
        stock=stock_states(rows),
    )
