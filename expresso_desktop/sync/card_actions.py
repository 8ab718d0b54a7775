"""What a card's ⋯ menu offers for one order, read from the station's replica, and its taps
through the outbox (online or offline, applied locally at once).

- **Move**: every other station of the event, each with why it cannot take the order now (None:
  it can) — paused or closed, or ``core.routing.StationView.why_not`` over the replica's
  capabilities and stock rows (the organiser's ``order_rules.move_targets`` asks the same
  predicate). The move names the ``assign_version`` the menu saw (compare-and-set).
- **Cancel** with a reason (the organiser texts it to the customer), **Re-notify** (ready
  orders), **Message** (a few templates rendered for this order, or free text); the last two
  need a customer with a phone number (a walk-in has none).
- **Cup label**: the order as a label prints it.

Qt-free; every call is blocking SQLite work (a window runs it through its op runner)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.ready_board import first_name
from expresso_desktop.core.routing import StationView, capabilities, station_name, stock_states
from expresso_desktop.core.stock import event_menu
from expresso_desktop.core.sync_protocol import MAX_MESSAGE
from expresso_desktop.errors import KnownError
from expresso_desktop.store import sync_rows

from . import outbox
from .events import ReplicaChanged
from .replica import Replica, get

# The reasons a barista taps most (the customer is told the reason).
CANCEL_REASONS = (
    "we've run out of what it needs",
    "the station is closing",
    "you asked us to cancel it",
    "it was ordered twice",
    "we couldn't find you to hand it over",
)

# Texts a barista sends most (a short title to tap, the text rendered for the order with
# {name}, {number} and {station}).
MESSAGE_TEMPLATES = (
    ("Ready: come to the station", "Hi {name}, your order {number} is ready at {station}."),
    (
        "A few more minutes",
        "Hi {name}, your order {number} will be a few more minutes. Sorry for the wait!",
    ),
    (
        "We ran out of something",
        "Hi {name}, we've run out of something for order {number}. "
        "Please come and see us at {station}.",
    ),
    (
        "Still waiting for you",
        "Hi {name}, your order {number} is still waiting for you at {station}.",
    ),
)


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    title: str  # what the barista taps
    text: str  # what the customer reads (rendered for the order)


@dataclass(frozen=True, slots=True)
class MoveTarget:
    """Another station; ``why_not`` says why it cannot take the order now (None: it can)."""

    station_id: int
    name: str
    why_not: str | None

    @property
    def offered(self) -> bool:
        return self.why_not is None


@dataclass(frozen=True, slots=True)
class LabelLine:
    """One drink on a cup label: ``2× large latte``, its milk, every modifier."""

    drink: str
    milk: str
    modifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CupLabel:
    number: str
    name: str  # first name only: the label is on a cup the public sees
    lines: tuple[LabelLine, ...]
    station: str


@dataclass(frozen=True, slots=True)
class CardOptions:
    """Everything the ⋯ menu shows for one order, read in one go."""

    order_id: str
    number: str
    status: OrderStatus
    assign_version: int
    has_phone: bool
    targets: tuple[MoveTarget, ...]
    templates: tuple[MessageTemplate, ...]
    label: CupLabel

    @property
    def why_no_move(self) -> str | None:
        if self.status.rank >= OrderStatus.READY.rank:
            return f"{self.number} is already {_words(self.status)}: too late to move it"
        if not any(t.offered for t in self.targets):
            return "no other station can make it right now"
        return None

    @property
    def why_no_renotify(self) -> str | None:
        if not self.has_phone:
            return f"{self.number} has no phone number (a walk-in)"
        if self.status is not OrderStatus.READY:
            return f"{self.number} is {_words(self.status)}: only a ready order is re-notified"
        return None

    @property
    def why_no_message(self) -> str | None:
        return None if self.has_phone else f"{self.number} has no phone number (a walk-in)"

    @property
    def why_no_cancel(self) -> str | None:
        if self.status.terminal:
            return f"{self.number} is already {_words(self.status)}"
        return None


class CardActions:
    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    # -- reads -----------------------------------------------------------------------------
    def options(self, order_id: str) -> CardOptions:
        with self.replica.read() as conn:
            order = _order(conn, order_id)
            menu = _menu(conn, order["event_id"])
            specs = _lines(conn, order_id)
            here = _station_label(conn, order["station_id"])
            number = order["number"] or "this walk-in"
            name = first_name(order["customer_name"])
            values = {"name": name or "there", "number": number, "station": here}
            return CardOptions(
                order_id=order_id,
                number=number,
                status=OrderStatus(order["status"]),
                assign_version=int(order["assign_version"]),
                has_phone=order["customer_id"] is not None,
                targets=tuple(_targets(conn, order, specs, menu)),
                templates=tuple(
                    MessageTemplate(title, text.format(**values))
                    for title, text in MESSAGE_TEMPLATES
                ),
                label=_label(number, name, specs, menu, here),
            )

    def label(self, order_id: str) -> CupLabel:
        """The order's cup label (the ⋯ menu's Print, and auto-print on Start)."""
        with self.replica.read() as conn:
            order = _order(conn, order_id)
            return _label(
                order["number"] or "walk-in",
                first_name(order["customer_name"]),
                _lines(conn, order_id),
                _menu(conn, order["event_id"]),
                _station_label(conn, order["station_id"]),
            )

    def started_here(self, order_ids: Iterable[str]) -> list[str]:
        """Those of ``order_ids`` in progress at this station that this station started (its
        own ``order.start`` in the outbox): what auto-print prints on Start."""
        wanted = sorted(set(order_ids))
        if not wanted:
            return []
        orders_t, box = sync_rows.table("orders"), outbox.OUTBOX
        started = sa.func.json_extract(box.c.args_json, "$.order_id")
        with self.replica.read() as conn:
            mine = get(conn, "station_id")
            if not mine:
                return []
            tapped = set(
                conn.execute(
                    sa.select(started).where(box.c.name == "order.start", started.in_(wanted))
                ).scalars()
            )
            rows = conn.execute(
                sa.select(orders_t.c.id).where(
                    orders_t.c.id.in_(sorted(tapped)),
                    orders_t.c.status == OrderStatus.IN_PROGRESS.value,
                    orders_t.c.station_id == int(mine),
                    orders_t.c.deleted == sa.false(),
                )
            ).scalars()
            return sorted(str(order_id) for order_id in rows)

    # -- taps (each one outbox row) ----------------------------------------------------------
    def cancel(self, order_id: str, reason: str) -> ReplicaChanged:
        reason = reason.strip()
        if not reason:
            raise KnownError("say why it is cancelled: the customer is told")
        return self._tap("order.cancel", order_id, reason=reason)

    def move(self, order_id: str, to_station: int, seen_version: int) -> ReplicaChanged:
        return self._tap(
            "order.reassign", order_id, to_station=to_station, base_assign_version=seen_version
        )

    def renotify(self, order_id: str) -> ReplicaChanged:
        return self._tap("order.renotify", order_id)

    def message(self, order_id: str, body: str) -> ReplicaChanged:
        body = body.strip()
        if not body:
            raise KnownError("type the text to send")
        if len(body) > MAX_MESSAGE:
            raise KnownError(f"a text may be {MAX_MESSAGE} characters at most ({len(body)})")
        return self._tap("order.message", order_id, body=body)

    def _tap(self, name: str, order_id: str, **args: Any) -> ReplicaChanged:
        outbox.record(self.replica, name, {"order_id": order_id, **args})
        return ReplicaChanged(order_ids=frozenset({order_id}), entities=frozenset({"orders"}))


def _words(status: OrderStatus) -> str:
    return status.value.replace("_", " ")


def _order(conn: Connection, order_id: str) -> dict[str, Any]:
    order = sync_rows.read_image(conn, "orders", order_id)
    if order is None or order["deleted"]:
        raise KnownError("this station no longer has that order")
    return order


def _menu(conn: Connection, event_id: int) -> Menu:
    stored = sync_rows.read_image(conn, "menu_configs", str(event_id))
    return event_menu(stored and stored["menu_json"])


def _lines(conn: Connection, order_id: str) -> list[DrinkSpec]:
    t = sync_rows.table("order_items")
    rows = conn.execute(
        sa.select(t)
        .where(t.c.order_id == order_id, t.c.deleted == sa.false())
        .order_by(t.c.position)
    ).mappings()
    return [drink_of(row) for row in rows]


def _station_label(conn: Connection, station_id: int | None) -> str:
    if station_id is None:
        return "the pickup counter"
    station = sync_rows.read_image(conn, "stations", str(station_id))
    if station is None:
        return "the pickup counter"
    return station_name(station["number"], station.get("name"))


def _targets(
    conn: Connection, order: Mapping[str, Any], specs: Sequence[DrinkSpec], menu: Menu
) -> Iterable[MoveTarget]:
    t = sync_rows.table("stations")
    rows = conn.execute(
        sa.select(t)
        .where(t.c.event_id == order["event_id"], t.c.deleted == sa.false())
        .order_by(t.c.number)
    ).mappings()
    mine = get(conn, "station_id")
    for station in (sync_rows.image_of(row) for row in rows):
        if station["id"] == order["station_id"] or str(station["id"]) == mine:
            continue
        view = _view(conn, station)
        yield MoveTarget(int(station["id"]), view.name, _why_not(view, specs, menu))


def _view(conn: Connection, station: Mapping[str, Any]) -> StationView:
    """The station as routing sees it, over the replica's rows."""
    drinks, milks, extras = capabilities(station["capabilities_json"])
    t = sync_rows.table("stock_items")
    stock = conn.execute(
        sa.select(t.c.name, t.c.level, t.c.low_threshold, t.c.out_of_stock).where(
            t.c.station_id == station["id"], t.c.deleted == sa.false()
        )
    ).mappings()
    return StationView(
        id=str(station["id"]),
        number=station["number"],
        name=station_name(station["number"], station["name"]),
        status=station["status"],
        drinks=drinks,
        milks=milks,
        extras=extras,
        stock=stock_states(stock),
    )


def _why_not(view: StationView, specs: Sequence[DrinkSpec], menu: Menu) -> str | None:
    if view.status != "open":
        return f"{view.name} is {view.status}"
    for spec in specs:
        why = view.why_not(spec, menu)
        if why is not None:
            return f"{view.name} {why.why}"
    return None


def _label(
    number: str, name: str, specs: Sequence[DrinkSpec], menu: Menu, station: str
) -> CupLabel:
    lines = []
    for spec in specs:
        drink = spec.drink if spec.size == menu.default_size else f"{spec.size} {spec.drink}"
        if spec.quantity > 1:
            drink = f"{spec.quantity}× {drink}"
        milk = "" if spec.milk == "none" else spec.milk
        lines.append(LabelLine(drink, milk, spec.modifiers(menu)))
    return CupLabel(number, name, tuple(lines), station)
