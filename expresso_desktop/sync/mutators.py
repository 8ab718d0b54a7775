"""Local (optimistic) mutators: what a tap does to the station's replica before the organiser
has seen it. One per mutation name, mirroring the organiser's handlers
(``services/sync/*_mutations.py``), but working on row images through ``Local``.

They must be deterministic and re-runnable (sync.md 4.4): rebasing re-runs every pending one
on top of fresh organiser state. So they read only the replica and their arguments (times
come from the outbox row's ``client_ts``, never from the clock), and in ``strict`` mode — the
tap itself — they refuse what cannot work; when rebasing they quietly do nothing instead (the
organiser will say why with a rejection).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.errors import DomainError, IllegalTransition, ValidationError
from expresso_desktop.core.items import DrinkSpec, drink_of, drink_spec_from_dict
from expresso_desktop.core.orders import Action, OrderStatus, transition, undo_of
from expresso_desktop.core.routing import capabilities, station_name, stock_states, unmakeable
from expresso_desktop.core.stock import (
    ORDER_RETURN,
    ORDER_USE,
    OrderMove,
    event_menu,
    order_client_id,
    recipe,
    return_round,
    use_round,
)
from expresso_desktop.core.sync_protocol import MAX_MESSAGE, movement_id
from expresso_desktop.store import sync_rows

from .replica import Bases

log = logging.getLogger(__name__)
ITEM_NS = uuid.UUID("0c5e2a6b-5f43-4a4e-9a57-1d2b0ffee001")


class LocalRefusal(DomainError):
    """The tap cannot work on what this station knows (shown at once, nothing queued)."""

    code = "refused_locally"


@dataclass
class Local:
    """The replica as a mutator sees it: rows as images; every write saves a base first."""

    conn: Connection
    client_id: str
    station_id: int | None
    seq: int
    client_ts: str
    strict: bool
    bases: Bases = field(default_factory=Bases)
    _read: dict[tuple[str, str], Any] = field(default_factory=dict)

    def get(self, entity: str, entity_id: Any) -> dict[str, Any] | None:
        image = sync_rows.read_image(self.conn, entity, str(entity_id))
        self._read.setdefault((entity, str(entity_id)), image)
        return None if image is None else dict(image)

    def put(self, entity: str, image: Mapping[str, Any]) -> None:
        key = str(image[sync_rows.pk_column(entity).name])
        self.bases.save(self.conn, entity, key, self._read.get((entity, key), ...))
        sync_rows.upsert(self.conn, entity, image)

    def refuse(self, reason: str) -> None:
        if self.strict:
            raise LocalRefusal(reason)


Mutator = Callable[[Local, Mapping[str, Any]], None]
MUTATORS: dict[str, Mutator] = {}


def mutator(name: str) -> Callable[[Mutator], Mutator]:
    def decorate(fn: Mutator) -> Mutator:
        MUTATORS[name] = fn
        return fn

    return decorate


def run(local: Local, name: str, args: Mapping[str, Any]) -> None:
    """Apply ``name``; an unknown name has no local effect (the organiser decides).

    Malformed arguments are refused at the tap; when rebasing, a mutator that cannot run is
    skipped — it must never stop the pulled state from being applied (the organiser will
    reject the mutation and say why)."""
    fn = MUTATORS.get(name.partition("@")[0])
    if fn is None:
        return
    try:
        fn(local, args)
    except LocalRefusal:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if local.strict:
            raise LocalRefusal(f"{name}: invalid arguments ({exc})") from exc
        log.warning("mutator %s #%s skipped while rebasing: %s", name, local.seq, exc)


# -- orders ----------------------------------------------------------------------------------


@mutator("order.create")
def order_create(local: Local, args: Mapping[str, Any]) -> None:
    order_id = str(args["order_id"])
    if local.get("orders", order_id) is not None:
        return  # insert-or-ignore, as on the organiser
    station_id = args.get("station_id") or local.station_id
    station = local.get("stations", station_id) if station_id is not None else None
    if station is None:
        return local.refuse(f"there is no station {station_id} here")
    if local.strict:  # what the organiser will check too: refused here at once, with why
        _check_makeable(local, station, args.get("items") or [], "walk-in {drink}")
    local.put(
        "orders",
        {
            "id": order_id,
            "event_id": station["event_id"],
            "number": None,  # the organiser numbers it
            "customer_id": None,
            "customer_name": args.get("customer_name"),
            "station_id": station_id,
            "source": "walk_in",
            "vip": False,
            "group_id": None,
            "notes": args.get("notes"),
            "status": "new",
            "assign_version": 0,
            "cancel_reason": None,
            "created_at": local.client_ts,
            "row_version": 0,
            "deleted": False,
        },
    )
    for position, item in enumerate(args.get("items") or []):
        local.put(
            "order_items",
            {
                "id": str(uuid.uuid5(ITEM_NS, f"{order_id}/{position}")),
                "order_id": order_id,
                "position": position,
                "drink": item["drink"],
                "size": item.get("size") or "medium",
                "milk": item.get("milk") or "full cream",
                "sugar": int(item.get("sugar") or 0),
                "quantity": int(item.get("quantity") or 1),
                "extras_json": list(item.get("extras") or []),
                "row_version": 0,
                "deleted": False,
            },
        )


_STAMP = {
    OrderStatus.IN_PROGRESS: "started_at",
    OrderStatus.READY: "ready_at",
    OrderStatus.COLLECTED: "collected_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def _progress(action: Action) -> Mutator:
    def apply(local: Local, args: Mapping[str, Any]) -> None:
        order = local.get("orders", args["order_id"])
        if order is None or order["deleted"]:
            return local.refuse("this station does not know that order")
        mine = local.station_id
        if order["station_id"] not in (None, mine):
            return local.refuse("that order belongs to another station")
        try:
            status = transition(OrderStatus(order["status"]), action)
        except IllegalTransition as exc:
            return local.refuse(exc.reason)
        order = dict(order, status=status.value)
        if order["station_id"] is None and action is Action.START:
            order["station_id"] = mine
            order["assign_version"] += 1
        stamp = _STAMP[status]
        order[stamp] = order.get(stamp) or local.client_ts
        if action is Action.CANCEL:
            order["cancel_reason"] = args.get("reason")
        local.put("orders", order)
        if status in (OrderStatus.READY, OrderStatus.COLLECTED):  # made (once: a round)
            take_for_order(local, order)

    return apply


for _action in Action:
    mutator(f"order.{_action.value}")(_progress(_action))


@mutator("order.reassign")
def order_reassign(local: Local, args: Mapping[str, Any]) -> None:
    order = local.get("orders", args["order_id"])
    if order is None or OrderStatus(order["status"]).rank >= OrderStatus.READY.rank:
        return local.refuse("too late to move that order")
    if order["assign_version"] != args.get("base_assign_version"):
        return local.refuse("the order was moved meanwhile")
    to = local.get("stations", args["to_station"])
    if local.strict and (to is None or to["deleted"]):
        return local.refuse(f"there is no station {args['to_station']} here")
    if local.strict and to is not None:
        lines = [item.to_dict() for item in _order_lines(local, order["id"])]
        _check_makeable(local, to, lines, f"{order['number'] or 'this order'} ({{drink}})")
    local.put(
        "orders",
        dict(order, station_id=args["to_station"], assign_version=order["assign_version"] + 1),
    )


@mutator("order.undo")
def order_undo(local: Local, args: Mapping[str, Any]) -> None:
    """Take back the last tap, as the organiser will (``core.orders.undo_of``); the status the
    barista undid (``base_status``) must still be the order's."""
    order = local.get("orders", args["order_id"])
    if order is None or order["deleted"]:
        return local.refuse("this station does not know that order")
    if order["station_id"] not in (None, local.station_id):
        return local.refuse("that order belongs to another station")
    current = OrderStatus(order["status"])
    seen = args.get("base_status")
    if seen is not None and seen != current.value:
        return local.refuse(f"that order is {current.value.replace('_', ' ')} now: nothing undone")
    try:
        target = undo_of(current, started=order.get("started_at") is not None)
    except IllegalTransition as exc:
        return local.refuse(exc.reason)
    undone = dict(order, status=target.value)
    undone[_STAMP[current]] = None
    local.put("orders", undone)
    if current is OrderStatus.READY:  # back to before ready: its recipe goes back to stock
        _return_for_order(local, undone)


def _texted_order(local: Local, args: Mapping[str, Any]) -> dict[str, Any] | None:
    """The order a text to its customer names, checked as the organiser will: this station's
    (or nobody's) and with a phone number (a walk-in has none). None: refused."""
    order = local.get("orders", args["order_id"])
    if order is None or order["deleted"]:
        local.refuse("this station does not know that order")
        return None
    name = order["number"] or "this order"
    if order["station_id"] not in (None, local.station_id):
        local.refuse(f"{name} belongs to another station")
        return None
    if order["customer_id"] is None:
        local.refuse(f"{name} has no phone number to text (a walk-in)")
        return None
    return order


@mutator("order.renotify")
def order_renotify(local: Local, args: Mapping[str, Any]) -> None:
    """The ready text again: nothing changes here (the organiser queues the text)."""
    order = _texted_order(local, args)
    if order is not None and order["status"] != OrderStatus.READY.value:
        now = str(order["status"]).replace("_", " ")
        name = order["number"] or "this order"
        local.refuse(f"{name} is {now}: only a ready order's customer is re-notified")


@mutator("order.message")
def order_message(local: Local, args: Mapping[str, Any]) -> None:
    """A text to the order's customer: nothing changes here (the organiser queues it)."""
    body = args["body"]
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_MESSAGE:
        raise ValueError(f"body must be text of 1 to {MAX_MESSAGE} characters")
    _texted_order(local, args)


def _return_for_order(local: Local, order: Mapping[str, Any]) -> None:
    """Exactly what the order's Done took, back into the replica's stock, as the organiser's
    undo puts it back (``core.stock.return_round``: the same round and movement ids)."""
    back = return_round(_order_history(local.conn, order["id"]))
    if back is None:
        return
    client = order_client_id(order["id"])
    for item_id, delta in sorted(back.deltas.items()):
        item = local.get("stock_items", item_id)
        if item is None or not delta:
            continue
        key = movement_id(client, back.seq, item_id)
        _movement(local, item, key, back.seq, delta, reason=ORDER_RETURN, order_id=order["id"])
        local.put("stock_items", dict(item, level=item["level"] + delta))


# -- what this station can make now (the organiser's rule, over the replica's rows) ---------


def _check_makeable(local: Local, station: Mapping[str, Any], items: list[Any], what: str) -> None:
    """Refuse (``LocalRefusal``) a drink ``station`` cannot make now: its capabilities and
    stock, by the organiser's own rule (``core.routing.unmakeable``). ``what`` names the order,
    with ``{drink}`` for the drink."""
    stored = local.get("menu_configs", station["event_id"])
    menu = event_menu(stored and stored["menu_json"])
    drinks, milks, extras = capabilities(station["capabilities_json"])
    t = sync_rows.table("stock_items")
    rows = local.conn.execute(
        sa.select(t).where(t.c.station_id == station["id"], t.c.deleted == sa.false())
    ).mappings()
    stock = stock_states(rows)
    where = station_name(station["number"], station.get("name"))
    for index, raw in enumerate(items):
        try:
            spec = drink_spec_from_dict(raw, menu)
        except ValidationError as exc:
            raise LocalRefusal(f"drink {index + 1}: {exc.reason}") from None
        why = unmakeable(spec, menu, drinks=drinks, milks=milks, extras=extras, stock=stock)
        if why is not None:
            name = what.format(drink=spec.summary(menu))
            raise LocalRefusal(f"{name}: {where} {why.why} right now")


def _order_lines(local: Local, order_id: str) -> list[DrinkSpec]:
    t = sync_rows.table("order_items")
    rows = local.conn.execute(
        sa.select(t)
        .where(t.c.order_id == order_id, t.c.deleted == sa.false())
        .order_by(t.c.position)
    ).mappings()
    return [drink_of(row) for row in rows]


# -- stock, settings, chat -----------------------------------------------------------------


def _stock(local: Local, args: Mapping[str, Any], delta: float, generation: int | None) -> None:
    item = local.get("stock_items", args["item_id"])
    if item is None or item["deleted"]:
        return local.refuse("this station does not track that item")
    generation = item["generation"] if generation is None else generation
    order_id = args.get("order_id")
    if order_id is not None and local.get("orders", order_id) is None:
        order_id = None
    counted = generation >= item["generation"]
    reason = "consume" if delta < 0 else "restock"
    key = movement_id(local.client_id, local.seq, item["id"])
    older = None if counted else generation
    _movement(
        local, item, key, local.seq, delta, reason=reason, order_id=order_id, generation=older
    )
    if counted:
        out = item["out_of_stock"] and reason != "restock"  # a restock ends a marked out
        local.put("stock_items", dict(item, level=item["level"] + delta, out_of_stock=out))


def _movement(
    local: Local,
    item: Mapping[str, Any],
    key: str,
    seq: int,
    delta: float,
    *,
    reason: str,
    order_id: str | None,
    generation: int | None = None,
) -> None:
    """One movement row as the organiser's image of it will read here (``generation``: an
    older one it is recorded under, uncounted)."""
    local.put(
        "stock_movements",
        {
            "id": key,
            "item_id": item["id"],
            "client_id": "",  # as the organiser's image reads here: ids stay private
            "seq": seq,
            "delta": delta,
            "generation": item["generation"] if generation is None else generation,
            "order_id": order_id,
            "reason": reason,
            "counted": generation is None,
            "created_at": local.client_ts,
            "row_version": 0,
            "deleted": False,
        },
    )


@mutator("stock.consume")
def stock_consume(local: Local, args: Mapping[str, Any]) -> None:
    _stock(local, args, -float(args["qty"]), args.get("generation"))


@mutator("stock.restock")
def stock_restock(local: Local, args: Mapping[str, Any]) -> None:
    _stock(local, args, float(args["qty"]), None)


@mutator("stock.reset")
def stock_reset(local: Local, args: Mapping[str, Any]) -> None:
    item = local.get("stock_items", args["item_id"])
    if item is None:
        return local.refuse("unknown stock item")
    counted = float(args["counted_level"])
    local.put(
        "stock_items",
        dict(
            item,
            generation=item["generation"] + 1,
            baseline=counted,
            level=counted,
            out_of_stock=item["out_of_stock"] and counted <= 0,  # counting some ends an out
        ),
    )


@mutator("stock.mark_out")
def stock_mark_out(local: Local, args: Mapping[str, Any]) -> None:
    item = local.get("stock_items", args["item_id"])
    if item is None or item["deleted"]:
        return local.refuse("this station does not track that item")
    out = args["out"]
    if not isinstance(out, bool):
        raise TypeError("out must be true or false")
    local.put("stock_items", dict(item, out_of_stock=out))


def take_for_order(local: Local, order: Mapping[str, Any]) -> None:
    """Done here: the order's recipe out of its station's stock in the replica, as the
    organiser will take it (``core.stock.use_round``: the same round, the same movement ids),
    so an offline station's stock drops too. Re-running it finds the recipe already taken."""
    station_id = order["station_id"]
    if station_id is None:
        return
    conn = local.conn
    items_t, lines_t = sync_rows.table("stock_items"), sync_rows.table("order_items")
    tracked = {
        name: item_id
        for item_id, name in conn.execute(
            sa.select(items_t.c.id, items_t.c.name).where(
                items_t.c.station_id == station_id, items_t.c.deleted == sa.false()
            )
        )
    }
    lines = conn.execute(
        sa.select(lines_t).where(lines_t.c.order_id == order["id"], lines_t.c.deleted == sa.false())
    ).mappings()
    menu = local.get("menu_configs", order["event_id"])
    needs = recipe([drink_of(line) for line in lines], event_menu(menu and menu["menu_json"]))
    taken = use_round(_order_history(conn, order["id"]), needs, tracked)
    if taken is None:
        return
    client = order_client_id(order["id"])
    for item_id, delta in sorted(taken.deltas.items()):
        item = local.get("stock_items", item_id)
        if item is None or not delta:
            continue
        key = movement_id(client, taken.seq, item_id)
        _movement(local, item, key, taken.seq, delta, reason=ORDER_USE, order_id=order["id"])
        local.put("stock_items", dict(item, level=item["level"] + delta))


def _order_history(conn: Connection, order_id: str) -> list[OrderMove]:
    t = sync_rows.table("stock_movements")
    rows = conn.execute(
        sa.select(t.c.seq, t.c.item_id, t.c.delta).where(
            t.c.order_id == order_id,
            t.c.reason.in_((ORDER_USE, ORDER_RETURN)),
            t.c.deleted == sa.false(),
        )
    )
    return [OrderMove(seq, item_id, delta) for seq, item_id, delta in rows]


@mutator("settings.set")
def settings_set(local: Local, args: Mapping[str, Any]) -> None:
    row = local.get("settings", args["key"])
    current = row["row_version"] if row is not None else 0
    if args.get("base_version") != current:
        return local.refuse("that setting was changed meanwhile")
    image = dict(row or {"key": args["key"], "row_version": 0})
    image.update(value_json=args["value"], updated_at=local.client_ts, deleted=False)
    local.put("settings", image)


@mutator("chat.post")
def chat_post(local: Local, args: Mapping[str, Any]) -> None:
    if local.get("chat_messages", args["message_id"]) is not None:
        return
    local.put(
        "chat_messages",
        {
            "id": args["message_id"],
            "channel": args["channel"],
            "author": "me",
            "body": args["body"],
            "client_ts": args.get("client_ts") or local.client_ts,
            "created_at": local.client_ts,
            "row_version": 0,
            "deleted": False,
        },
    )
