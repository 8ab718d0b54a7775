"""A station's queries and taps on its local replica, through the same outbox the screen uses
(online or offline; a running ``barista --headless`` sends them on). The ``station`` command
line (``cli/station.py``) and the barista window's service share them.

An order is named by the number customers see (``A042``, ``a42``, ``#A-42``) or its id. The
queue lists VIP orders still to be made first (``core.routing.jumps_queue``), then by age. The
event's settings arrive with the rest of the replica: the milk colours and this station's own
settings (``core.station_settings``) are read from there.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core import station_settings
from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.orders import parse_order_number
from expresso_desktop.core.routing import jumps_queue
from expresso_desktop.errors import KnownError
from expresso_desktop.store import sync_rows
from expresso_desktop.sync import barista, outbox
from expresso_desktop.sync.link_state import read_link
from expresso_desktop.sync.replica import Replica, get


def status(replica: Replica) -> dict[str, Any]:
    with replica.read() as conn:
        counts = outbox.counts(conn)
        link = read_link(conn)  # online only while a sync process runs and hears the organiser
        rejected = [
            {"seq": r.seq, "name": r.name, "reason": r.reason, "message": r.message}
            for r in outbox.rows(conn, status="rejected")
        ]
        return {
            "online": link.online,
            "link": link.state,  # "online" | "offline"
            "reason": link.reason,  # why offline ("" when online)
            "changes_waiting": counts["pending"],
            "last_exchange": link.last_exchange,
            "sync_pid": link.sync_pid,  # the running sync process (None: none runs)
            "pending": counts["pending"],
            "rejected": counts["rejected"],
            "cursor": int(get(conn, "cursor") or 0),
            "epoch": get(conn, "epoch") or "",
            "server": get(conn, "server_url") or "",
            "client_id": get(conn, "client_id"),
            "station_id": int(get(conn, "station_id") or 0) or None,
            "since": link.since,
            "last_error": get(conn, "last_error") or "",
            # Set when the organiser refuses this replica's sync id for good (a copied data
            # folder, an id of another device): the message says to pair again.
            "refused": get(conn, "refused") or "",
            "rejections": rejected,
            "barista": barista.as_json(barista.read(conn)),  # who is logged in here (or null)
        }


def _order_json(conn: Connection, order: dict[str, Any]) -> dict[str, Any]:
    items_t = sync_rows.table("order_items")
    items = conn.execute(
        sa.select(items_t)
        .where(items_t.c.order_id == order["id"], items_t.c.deleted == sa.false())
        .order_by(items_t.c.position)
    ).mappings()
    station = (
        sync_rows.read_image(conn, "stations", str(order["station_id"]))
        if order["station_id"]
        else None
    )
    return {
        "id": order["id"],
        "number": order["number"],
        "status": order["status"],
        "station": station["number"] if station else None,
        "customer_name": order["customer_name"],
        "vip": bool(order["vip"]),
        "items": [
            {
                "drink": i.drink,
                "size": i.size,
                "milk": i.milk,
                "sugar": i.sugar,
                "quantity": i.quantity,
                "extras": list(i.extras_json or []),
            }
            for i in items
        ],
        "created_at": order["created_at"],
    }


def list_orders(replica: Replica, *, every: bool = False) -> list[dict[str, Any]]:
    t = sync_rows.table("orders")
    with replica.read() as conn:
        query = sa.select(t).where(t.c.deleted == sa.false())
        mine = get(conn, "station_id")
        if not every:
            query = query.where(t.c.status.in_(("new", "in_progress", "ready")))
            if mine:
                query = query.where(t.c.station_id == int(mine))
        rows = conn.execute(query.order_by(t.c.created_at, t.c.id)).mappings()
        orders = [sync_rows.image_of(r) for r in rows]
        orders.sort(key=lambda o: not jumps_queue(o["status"], bool(o["vip"])))  # stable: by age
        return [_order_json(conn, o) for o in orders]


def _setting(conn: Connection, key: str) -> Any:
    row = sync_rows.read_image(conn, "settings", key)
    return None if row is None or row["deleted"] else row["value_json"]


def milk_colours(replica: Replica, menu: Menu) -> dict[str, str]:
    """Each milk's card colour: the menu's, under the organiser's ``milk_colours`` as synced."""
    with replica.read() as conn:
        chosen = _setting(conn, "milk_colours")
    colours = {m.name: m.colour for m in menu.milks if m.name != NO_MILK}
    if isinstance(chosen, dict):
        colours.update({k: v for k, v in chosen.items() if k in colours and isinstance(v, str)})
    return colours


def own_settings(replica: Replica) -> dict[str, station_settings.Value]:
    """This station's own settings (sound, labels, card ages), defaults filled in, as synced:
    the organiser's choice or the station's own ``settings.set``, whichever came last."""
    with replica.read() as conn:
        mine = get(conn, "station_id")
        if not mine:
            return dict(station_settings.DEFAULTS)
        stored = {
            name: _setting(conn, station_settings.key_for(int(mine), name))
            for name in station_settings.STATION_SETTINGS
        }
    return station_settings.effective({k: v for k, v in stored.items() if v is not None})


def find_order(replica: Replica, ident: str) -> dict[str, Any]:
    t = sync_rows.table("orders")
    number = parse_order_number(ident)
    with replica.read() as conn:
        where = t.c.id == ident if number is None else (t.c.number == number) | (t.c.id == ident)
        row = conn.execute(sa.select(t).where(where, t.c.deleted == sa.false())).mappings().first()
    if row is None:
        raise KnownError(f"this station has no order {ident}")
    return sync_rows.image_of(row)


def act(replica: Replica, command: str, ident: str, reason: str | None = None) -> tuple[str, int]:
    """Queue ``order.<command>`` (start, ready, collect, cancel, undo) for the order named
    ``ident``; returns the order's number (or id) and the outbox seq. An undo names the status
    it takes back (the organiser refuses it as ``stale`` if the order moved on meanwhile)."""
    order = find_order(replica, ident)
    extra = {"reason": reason} if command == "cancel" else {}
    if command == "undo":
        extra = {"base_status": order["status"]}
    seq = outbox.record(replica, f"order.{command}", {"order_id": order["id"], **extra})
    return str(order["number"] or order["id"]), seq


def walk_in(replica: Replica, text: str, name: str | None) -> dict[str, Any]:
    from expresso_desktop.core.sms.parser import parse_sms

    parsed = parse_sms(text)
    if not parsed.items:
        raise KnownError(f"could not read a drink in {text!r}", hint='e.g. "large oat latte"')
    station = replica.state("station_id")
    order_id = str(uuid.uuid4())
    args = {
        "order_id": order_id,
        "station_id": int(station) if station else None,
        "items": [item.to_dict() for item in parsed.items],
        "customer_name": name or parsed.name,
    }
    seq = outbox.record(replica, "order.create", args)
    return {"id": order_id, "seq": seq, "items": args["items"], "status": "new"}


_STOCK_KEYS = ("id", "name", "unit", "level", "par", "low_threshold", "out_of_stock")


def stock_levels(replica: Replica) -> list[dict[str, Any]]:
    """This station's stock items as its replica has them (its own taps included)."""
    return [
        {k: item[k] for k in _STOCK_KEYS}
        | {"low": item["out_of_stock"] or item["level"] <= item["low_threshold"]}
        for item in sorted(_station_items(replica), key=lambda i: i["name"])
    ]


def stock_line(row: dict[str, Any]) -> str:
    """``milk:oat  1200 ml  low`` (``OUT`` when marked out or none left)."""
    flag = "OUT" if row["out_of_stock"] or row["level"] <= 0 else "low" if row["low"] else ""
    return f"{row['name']:<22} {row['level']:>8g} {row['unit']:<5} {flag}".rstrip()


def consume(replica: Replica, ident: str, qty: float) -> str:
    """Queue a stock use at this station; returns a line saying what was queued."""
    if qty <= 0:
        raise KnownError("the quantity must be more than 0")
    item = _find_item(replica, ident)
    seq = outbox.record(
        replica,
        "stock.consume",
        {"item_id": item["id"], "qty": qty, "generation": item["generation"]},
    )
    return f"used {qty:g} {item['unit']} of {item['name']}: queued (#{seq})"


def mark_out(replica: Replica, ident: str, out: bool) -> str:
    """Queue marking an item out (routing stops sending what needs it here) or back in."""
    item = _find_item(replica, ident)
    seq = outbox.record(replica, "stock.mark_out", {"item_id": item["id"], "out": out})
    return f"{item['name']} marked {'out' if out else 'back in'}: queued (#{seq})"


def _find_item(replica: Replica, ident: str) -> dict[str, Any]:
    """A stock item of this station by id, name, or milk name (``oat`` for ``milk:oat``)."""
    wanted = ident.strip().lower()
    for item in _station_items(replica):
        if str(item["id"]) == wanted or item["name"].lower() in (wanted, f"milk:{wanted}"):
            return item
    raise KnownError(f"this station does not track {ident!r} (its items: station stock)")


def _station_items(replica: Replica) -> list[dict[str, Any]]:
    t = sync_rows.table("stock_items")
    station = replica.state("station_id")
    with replica.read() as conn:
        query = sa.select(t).where(t.c.deleted == sa.false())
        if station:
            query = query.where(t.c.station_id == int(station))
        return [sync_rows.image_of(r) for r in conn.execute(query.order_by(t.c.id)).mappings()]
