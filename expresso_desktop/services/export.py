"""The event's orders as a CSV file: one row per order, phone numbers masked.

``export_orders_csv`` reads one snapshot (blocking: run it off the GUI thread), writes in
batches with a progress callback, and may be cancelled between batches. The file appears only
when complete (written beside it, then renamed) and is private to this user (0600): it holds
customers' names. Times are the event's local time, named in the header.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and names
come from customers' texts: such cells get a leading ``'`` (OWASP's advice on CSV injection),
the masked numbers included (``'+61 ••• ••• 456``). UTF-8 with a byte-order mark, so a
spreadsheet reads the mask's dots and accented names right.
"""

from __future__ import annotations

import csv
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Timestamps, status_label
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.errors import KnownError
from expresso_desktop.services.purge import PURGED_PREFIX
from expresso_desktop.services.station_views import event_zone
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, Order, OrderItem, Station

log = logging.getLogger(__name__)

BATCH_SIZE = 500
PURGED = "(purged)"  # the customer's number was purged after the event
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportProgress:
    """Orders written so far out of those the export found."""

    done: int
    total: int


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int  # orders written (0 when cancelled: no file is left)
    cancelled: bool = False


ProgressCallback = Callable[[ExportProgress], None]


def header(zone: str) -> tuple[str, ...]:
    at = f"({zone})"
    return (
        "number",
        f"created {at}",
        "station",
        "status",
        "drinks",
        "customer name",
        "phone (masked)",
        "source",
        f"started {at}",
        f"ready {at}",
        f"collected {at}",
        f"cancelled {at}",
        "make time (s)",
    )


def export_orders_csv(
    engine: Engine,
    event_id: int,
    menu: Menu,
    path: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = BATCH_SIZE,
) -> ExportResult:
    """Write every order of the event, oldest first, to ``path`` (replaced if it exists). A
    folder we cannot write to (or a full disk) is a ``KnownError`` naming the file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with read_session(engine) as session:
            written = _write_file(session, event_id, menu, partial, batch_size, progress, cancel)
        if written is None:
            log.info("order export cancelled")
            return ExportResult(path, 0, cancelled=True)
        partial.replace(path)
    except OSError as exc:
        raise KnownError(
            f"Could not write {path}: {exc.strerror or exc}",
            hint="Choose a folder you can write to, on a disk with free space.",
        ) from exc
    finally:
        partial.unlink(missing_ok=True)  # gone already once it became the file
    log.info("exported %d orders to CSV", written)
    return ExportResult(path, written)


def _write_file(
    session: Session,
    event_id: int,
    menu: Menu,
    partial: Path,
    batch_size: int,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> int | None:
    zone = event_zone(session, event_id)
    ids = _order_ids(session, event_id)
    stations = _station_names(session, event_id)
    partial.unlink(missing_ok=True)  # a leftover from a crash: start afresh, created 0600
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
        return _write(session, out, ids, zone, stations, menu, batch_size, progress, cancel)


def _write(
    session: Session,
    out: TextIO,
    ids: Sequence[str],
    zone: ZoneInfo,
    stations: dict[int, str],
    menu: Menu,
    batch_size: int,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> int | None:
    """The rows written, or None when cancelled."""
    writer = csv.writer(out)
    writer.writerow(header(zone.key))
    done = 0
    for batch in _batches(ids, batch_size):
        if cancel is not None and cancel.is_set():
            return None
        orders, drinks = _read_batch(session, batch, menu)
        for order in orders:
            station = stations.get(order.station_id) if order.station_id is not None else None
            writer.writerow(_safe(_row(order, drinks[order.id], station, zone)))
        done += len(batch)
        if progress is not None:
            progress(ExportProgress(done, len(ids)))
    return done


def _order_ids(session: Session, event_id: int) -> list[str]:
    return list(
        session.exec(
            select(Order.id)
            .where(Order.event_id == event_id, col(Order.deleted).is_(False))
            .order_by(col(Order.created_at), col(Order.id))
        ).all()
    )


def _station_names(session: Session, event_id: int) -> dict[int, str]:
    stations = session.exec(select(Station).where(Station.event_id == event_id)).all()
    return {s.id: s.name or f"Station {s.number}" for s in stations if s.id is not None}


def _batches(ids: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@dataclass(frozen=True, slots=True)
class _OrderLine:
    """The columns an order's row needs (plain values: no ORM objects for 10,000 orders)."""

    id: str
    number: str | None
    station_id: int | None
    status: str
    customer_name: str | None
    source: str
    created_at: datetime
    started_at: datetime | None
    ready_at: datetime | None
    collected_at: datetime | None
    cancelled_at: datetime | None
    phone: str | None


_ORDER_COLUMNS = (
    col(Order.id),
    col(Order.number),
    col(Order.station_id),
    col(Order.status),
    col(Order.customer_name),
    col(Order.source),
    col(Order.created_at),
    col(Order.started_at),
    col(Order.ready_at),
    col(Order.collected_at),
    col(Order.cancelled_at),
    col(Customer.phone),
)
_ITEM_COLUMNS = (
    col(OrderItem.order_id),
    col(OrderItem.drink),
    col(OrderItem.size),
    col(OrderItem.milk),
    col(OrderItem.sugar),
    col(OrderItem.quantity),
    col(OrderItem.extras_json),
)


def _read_batch(
    session: Session, batch: Sequence[str], menu: Menu
) -> tuple[list[_OrderLine], dict[str, list[str]]]:
    """The batch's orders in the batch's order, and each order's drinks in words."""
    connection = session.connection()
    rows = connection.execute(
        sa.select(*_ORDER_COLUMNS)
        .outerjoin(Customer, col(Customer.id) == col(Order.customer_id))
        .where(col(Order.id).in_(batch))
    )
    position = {order_id: n for n, order_id in enumerate(batch)}
    orders = sorted((_OrderLine(**row._mapping) for row in rows), key=lambda o: position[o.id])
    drinks: dict[str, list[str]] = defaultdict(list)
    items = connection.execute(
        sa.select(*_ITEM_COLUMNS)
        .where(col(OrderItem.order_id).in_(batch), col(OrderItem.deleted).is_(False))
        .order_by(col(OrderItem.order_id), col(OrderItem.position))
    )
    for order_id, *item in items:
        drinks[order_id].append(drink_of(dict(zip(_ITEM_FIELDS, item, strict=True))).summary(menu))
    return orders, drinks


_ITEM_FIELDS = ("drink", "size", "milk", "sugar", "quantity", "extras_json")


def _row(order: _OrderLine, drinks: list[str], station: str | None, zone: ZoneInfo) -> list[str]:
    made = Timestamps(order.created_at, order.started_at, order.ready_at).make_seconds()
    return [
        order.number or "",
        _local(order.created_at, zone),
        station or "",
        status_label(order.status),
        "; ".join(drinks),
        order.customer_name or "",
        masked(order.phone),
        order.source,
        _local(order.started_at, zone),
        _local(order.ready_at, zone),
        _local(order.collected_at, zone),
        _local(order.cancelled_at, zone),
        "" if made is None else f"{made:.0f}",
    ]


def masked(phone: str | None) -> str:
    """What the export says for a customer's number: masked, or that it was purged."""
    if phone is None:
        return ""
    if phone.startswith(PURGED_PREFIX):
        return PURGED
    return mask_phone(phone)


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return "" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _safe(cells: list[str]) -> list[str]:
    return [f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell for cell in cells]
