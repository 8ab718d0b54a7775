"""The rulebook: who may do what to which order, the same on every path.

The order services (``services/orders.py``, ``services/order_actions.py``) ask these checks
with the ``Actor`` they were given; the LAN API, the sync handlers, the SMS conversation and the
windows only build the actor and turn a refusal into their answer (the LAN API: 403 for
``forbidden``, 422 for ``cannot_make`` naming the field, 409 for the rest; sync: ``rejected``
with the code and the reason). Every refusal is a ``DomainError`` with a stable ``code`` (the
sync ``Reason`` codes) and a reason that names the order and says why.

- **Role**: what each role may do is ``core.staff``'s table.
- **Station**: a barista acts on their own station's orders and on unassigned ones; others
  anywhere. Start on another station's order is ``taken_by:<number>``; any other tap on it
  ``not_your_station``.
- **Claiming** (design/sync.md 4.5): a barista's Start on an unassigned New order assigns it
  to their station.
- **Can make now**: a walk-in, a move's destination and an amended drink must be makeable by
  the station now — its capabilities and its stock, by ``core.routing.StationView.why_not``
  (the rule routing uses; a station checks its replica's rows with it too).
- **Compare-and-set**: a station's move or undo names what it saw (``assign_version``, the
  status); if the order changed meanwhile the organiser's state stands (``stale``). The
  organiser's own moves and undos are its authority and skip the check.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.core.routing import StationView, capabilities, station_name, stock_states
from expresso_desktop.core.staff import Permission, allowed
from expresso_desktop.core.sync_protocol import Reason, taken_by
from expresso_desktop.services.changes import fetch
from expresso_desktop.store import raw
from expresso_desktop.store.tables import Order, Station


class NotAllowed(DomainError):
    """This role may not do that at all (403 on the LAN API)."""

    code = Reason.FORBIDDEN.value


class NotYourStation(DomainError):
    code = Reason.NOT_YOUR_STATION.value


class TakenBy(DomainError):
    """Start on an order another station has: ``taken_by:<its number>``."""

    def __init__(self, reason: str, station_number: int | str) -> None:
        super().__init__(reason, code=taken_by(str(station_number)))


class CannotMake(ValidationError):
    """The station cannot make a drink now (capabilities or stock); ``field`` names it."""

    code = Reason.CANNOT_MAKE.value


class Stale(DomainError):
    """The order changed since the station saw it: the organiser's state stands."""

    code = Reason.STALE.value


TAP_PERMISSION = {
    Action.START: Permission.ORDER_PROGRESS,
    Action.READY: Permission.ORDER_PROGRESS,
    Action.COLLECT: Permission.ORDER_COLLECT,
    Action.CANCEL: Permission.ORDER_CANCEL,
}
UNDO_PERMISSION = Permission.ORDER_PROGRESS


def label(order: Order) -> str:
    """How a reason names an order: its number (a walk-in not numbered yet: its id)."""
    return order.number or f"order {order.id[:8]}"


def station_label(session: Session, station_id: int | None) -> str:
    station = session.get(Station, station_id) if station_id is not None else None
    if station is None:
        return f"station id {station_id}"
    return station_name(station.number, station.name)


def require(actor: Actor, permission: Permission, doing: str, order: Order | None = None) -> None:
    if not allowed(actor.role, permission):
        where = f"{label(order)}: " if order is not None else ""
        raise NotAllowed(f"{where}a {actor.role} may not {doing}")


def check_station(session: Session, actor: Actor, station_id: int | None, what: str) -> None:
    """Baristas act for their own station (and on what belongs to none); others anywhere."""
    if not actor.is_barista or station_id is None or station_id == actor.station_id:
        return
    raise NotYourStation(f"{what} belongs to {station_label(session, station_id)}")


# -- the four taps and undo ------------------------------------------------------------------


def check_tap(session: Session, actor: Actor, order: Order, action: Action) -> None:
    """May ``actor`` tap ``action`` on ``order``? (Whether the status allows it is the state
    machine's question, asked after this.)"""
    require(actor, TAP_PERMISSION[action], f"{action.value} orders", order)
    mine = order.station_id in (None, actor.station_id)
    if not actor.is_barista or mine:
        return
    status = OrderStatus(order.status)
    if action is Action.START:
        if status.terminal:
            return  # refused by the state machine, as for anybody
        station = session.get(Station, order.station_id)
        where = station_label(session, order.station_id)
        if status is OrderStatus.NEW:
            why = f"{label(order)} is {where}'s order"
        else:
            why = f"{label(order)} is already {status.value.replace('_', ' ')} at {where}"
        raise TakenBy(why, station.number if station is not None else "?")
    check_station(session, actor, order.station_id, label(order))


def claims(actor: Actor, order: Order, action: Action) -> bool:
    """A barista's Start on an unassigned New order claims it for their station."""
    return (
        action is Action.START
        and actor.is_barista
        and actor.station_id is not None
        and order.station_id is None
        and order.status == OrderStatus.NEW.value
    )


def check_undo(session: Session, actor: Actor, order: Order, seen: str | None) -> None:
    """An undo takes back the tap that led to the status the station saw (``seen``)."""
    require(actor, UNDO_PERMISSION, "undo taps", order)
    check_station(session, actor, order.station_id, label(order))
    if seen is not None and not actor.is_organiser and seen != order.status:
        now = order.status.replace("_", " ")
        raise Stale(f"{label(order)} changed meanwhile (it is {now} now): nothing undone")


def check_renotify(session: Session, actor: Actor, order: Order) -> None:
    """The "ready" text again, on purpose: only for a ready order of the actor's station whose
    customer has a phone number (a walk-in has none)."""
    require(actor, Permission.MESSAGE_CUSTOMER, "re-notify customers", order)
    check_station(session, actor, order.station_id, label(order))
    if order.status != OrderStatus.READY.value:
        now = order.status.replace("_", " ")
        raise DomainError(
            f"{label(order)} is {now}: only a ready order's customer is re-notified",
            code="not_ready",
        )
    if order.customer_id is None:
        raise DomainError(
            f"{label(order)} has no phone number to text (a walk-in)", code="no_customer"
        )


# -- what a station can make now -------------------------------------------------------------


def check_makeable(
    session: Session,
    *,
    event_id: int,
    station_id: int,
    specs: Sequence[DrinkSpec],
    menu: Menu,
    what: str,
    field: str | None = None,
) -> None:
    """Refuse (``CannotMake``) unless the station can make every drink now. ``field``: the
    field a refusal names (default: the drink's, ``items[i].milk``)."""
    view = station_view(session, event_id, station_id)
    for index, spec in enumerate(specs):
        why = view.why_not(spec, menu)
        if why is None:
            continue
        where = field or f"items[{index}]{_FIELD_OF_PART.get(why.part, '')}"
        raise CannotMake(f"{what}: {view.name} {why.why} right now", field=where)


_FIELD_OF_PART = {"drink": ".drink", "milk": ".milk", "extras": ".extras"}  # stock: the item


_STOCK_COLUMNS = ("name", "level", "low_threshold", "out_of_stock")
# Plain SQL: every walk-in of a station's push asks (stock_states reads the flag with bool()).
_STATION_STOCK = (
    f"SELECT {', '.join(_STOCK_COLUMNS)} FROM stock_items WHERE station_id = ? AND deleted = 0"
)


def station_view(session: Session, event_id: int, station_id: int) -> StationView:
    """The station as routing sees what it can make: its capabilities and its stock, read for
    this one station (``load_floor`` reads the whole floor and its schedule: ~25 ms, too much
    for every walk-in of a station's push)."""
    station = fetch(session, Station, station_id)
    if station is None or station.deleted or station.event_id != event_id:
        raise ValidationError(f"there is no station with id {station_id}", field="station_id")
    drinks, milks, extras = capabilities(station.capabilities_json)
    session.flush()  # a stock level changed through the ORM is read as it stands
    stock = raw.execute(session, _STATION_STOCK, (station_id,)).fetchall()
    return StationView(
        id=str(station_id),
        number=station.number,
        name=station_name(station.number, station.name),
        status=station.status,
        drinks=drinks,
        milks=milks,
        extras=extras,
        stock=stock_states(dict(zip(_STOCK_COLUMNS, row, strict=True)) for row in stock),
    )


def walk_in_label(specs: Sequence[DrinkSpec], menu: Menu) -> str:
    """How a reason names a walk-in that has no number yet: its drinks."""
    return "walk-in " + ", ".join(spec.summary(menu) for spec in specs)


def check_walk_in(
    session: Session,
    actor: Actor,
    *,
    event_id: int,
    station_id: int,
    specs: Sequence[DrinkSpec],
    menu: Menu,
) -> None:
    """A walk-in (or a group's order) taken at a station: the actor may create orders there,
    and the station can make every drink now."""
    require(actor, Permission.ORDER_CREATE, "take orders")
    what = walk_in_label(specs, menu)
    check_station(session, actor, station_id, f"{what}: that station")
    check_makeable(
        session,
        event_id=event_id,
        station_id=station_id,
        specs=specs,
        menu=menu,
        what=what,
    )


# -- moves -----------------------------------------------------------------------------------


def check_move(
    session: Session,
    actor: Actor,
    order: Order,
    *,
    to_station_id: int,
    specs: Sequence[DrinkSpec],
    menu: Menu,
    seen_version: int | None = None,
) -> None:
    """A move hands a not-yet-made order to a station that can make all of it now. A barista
    moves their own station's orders (or unassigned ones) away."""
    require(actor, Permission.ORDER_MOVE, "move orders", order)
    check_station(session, actor, order.station_id, label(order))
    if OrderStatus(order.status).rank >= OrderStatus.READY.rank:
        raise DomainError(
            f"{label(order)} is already {order.status}: too late to move it",
            code="too_late_to_move",
        )
    if seen_version is not None and not actor.is_organiser and seen_version != order.assign_version:
        raise Stale(f"{label(order)} was moved meanwhile: it stays at its station")
    if order.station_id == to_station_id:
        return
    check_makeable(
        session,
        event_id=order.event_id,
        station_id=to_station_id,
        specs=specs,
        menu=menu,
        what=label(order),
        field="station_id",
    )


def move_targets(
    session: Session, order: Order, *, specs: Sequence[DrinkSpec], menu: Menu
) -> list[tuple[int, str]]:
    """(id, name) of the stations ``order`` could move to now: every other live station of
    its event that can make all of it (the predicate ``check_move`` asks), by number."""
    stations = session.exec(
        select(Station)
        .where(Station.event_id == order.event_id, Station.deleted == False)  # noqa: E712
        .order_by(col(Station.number))
    ).all()
    targets = []
    for station in stations:
        if station.id is None or station.id == order.station_id:
            continue
        view = station_view(session, order.event_id, station.id)
        if all(view.why_not(spec, menu) is None for spec in specs):
            targets.append((station.id, view.name))
    return targets


# -- changing the drinks -----------------------------------------------------------------------


def check_amend(
    session: Session,
    order: Order,
    *,
    specs: Sequence[DrinkSpec],
    menu: Menu,
) -> None:
    """Drinks change only while the order is New, and only to what its station makes now."""
    if order.status != OrderStatus.NEW.value:
        raise DomainError(
            f"{label(order)} is already {order.status.replace('_', ' ')}: too late to change it",
            code="too_late_to_change",
        )
    if order.station_id is not None:
        check_makeable(
            session,
            event_id=order.event_id,
            station_id=order.station_id,
            specs=specs,
            menu=menu,
            what=label(order),
        )
