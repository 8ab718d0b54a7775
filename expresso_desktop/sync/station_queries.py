"""A station's queries and taps on its local replica, through the same outbox the screen uses
(online or offline; a running ``barista --headless`` sends them on). The ``station`` command
line (``cli/station.py``) and the barista window's service share them.

An order is named by the number customers see (``A042``, ``a42``, ``#A-42``) or its id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.orders import parse_order_number
from expresso_desktop.errors import KnownError
from expresso_desktop.store import sync_rows
from expresso_desktop.sync import outbox
from expresso_desktop.sync.replica import Replica, get

ONLINE_WITHIN = timedelta(seconds=20)  # a running station refreshes last_contact far more often


def status(replica: Replica) -> dict[str, Any]:
    with replica.read() as conn:
        counts = outbox.counts(conn)
        since = get(conn, "since")
        contact = get(conn, "last_contact")
        online = get(conn, "online") == "1" and contact is not None
        if online and contact:  # the station process may have died while online
            online = datetime.now(UTC) - datetime.fromisoformat(contact) < ONLINE_WITHIN
        rejected = [
            {"seq": r.seq, "name": r.name, "reason": r.reason}
            for r in outbox.rows(conn, status="rejected")
        ]
        return {
            "online": online,
            "pending": counts["pending"],
            "rejected": counts["rejected"],
            "cursor": int(get(conn, "cursor") or 0),
            "epoch": get(conn, "epoch") or "",
            "server": get(conn, "server_url") or "",
            "client_id": get(conn, "client_id"),
            "station_id": int(get(conn, "station_id") or 0) or None,
            "since": since,
            "last_error": get(conn, "last_error") or "",
            # Set when the organiser refuses this replica's sync id for good (a copied data
            # folder, an id of another device): the message says to pair again.
            "refused": get(conn, "refused") or "",
            "rejections": rejected,
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
        return [_order_json(conn, sync_rows.image_of(r)) for r in rows]


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
    """Queue ``order.<command>`` (start, ready, collect, cancel) for the order named ``ident``;
    returns the order's number (or id) and the outbox seq."""
    order = find_order(replica, ident)
    extra = {"reason": reason} if command == "cancel" else {}
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


def consume(replica: Replica, ident: str, qty: float) -> str:
    """Queue a stock use at this station; returns a line saying what was queued."""
    if qty <= 0:
        raise KnownError("the quantity must be more than 0")
    t = sync_rows.table("stock_items")
    station = replica.state("station_id")
    with replica.read() as conn:
        query = sa.select(t).where(t.c.deleted == sa.false())
        if station:
            query = query.where(t.c.station_id == int(station))
        wanted = ident.strip().lower()
        rows = [dict(r) for r in conn.execute(query).mappings()]
    match = [
        r for r in rows if str(r["id"]) == wanted or r["name"].lower() in (wanted, f"milk:{wanted}")
    ]
    if not match:
        raise KnownError(f"this station does not track {ident!r}")
    item = match[0]
    seq = outbox.record(
        replica,
        "stock.consume",
        {"item_id": item["id"], "qty": qty, "generation": item["generation"]},
    )
    return f"used {qty:g} {item['unit']} of {item['name']}: queued (#{seq})"
