"""Turning committed changes into the small typed events of ``/api/v1/ws``, and deciding who
hears each one.

An event is ``{"type": "order.created", "version": 42, "entity": "orders", "id": "…",
"data": {…row…}}``; a moved order also says ``"from_station_id"``. ``version`` is the change
log's cursor, so a client that reconnects resumes from the last one it saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, text

from expresso_desktop.services.changes import Change
from expresso_desktop.services.devices import DeviceInfo
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import read_session

Event = dict[str, Any]

KIND = {
    "orders": "order",
    "order_items": "order_item",
    "group_orders": "group_order",
    "stations": "station",
    "stock_items": "stock",
    "stock_movements": "stock_movement",
    "chat_messages": "chat",
    "settings": "setting",
    "events": "event",
    "menu_configs": "menu",
    "shifts": "shift",
    "breaks": "break",
    "operating_hours": "hours",
    "staff_users": "staff",
}
# Never pushed to anyone, whatever their role (a hash is still a secret).
SECRET_FIELDS = {"pin_hash", "token_hash", "code_hash"}
# Settings only the organiser may see.
ORGANISER_SETTINGS = {"vip_codes"}
# What every station-side role hears about, besides orders.
_SHARED = {"stations", "events", "menu_configs", "settings", "group_orders"}
_BARISTA = _SHARED | {"shifts", "breaks", "operating_hours", "staff_users", "stock_items"}
_RUNNER = _SHARED | {"chat_messages"}


def to_event(change: Change, previous: dict[str, Any] | None, known: bool) -> Event:
    """``previous`` is the entity's row image before this change (None if it had none);
    ``known`` says whether any earlier change to it exists."""
    kind = KIND.get(change.entity, change.entity)
    data = None if change.data is None else _without_secrets(change.entity, change.data)
    event: Event = {
        "type": "",
        "version": change.version,
        "entity": change.entity,
        "id": change.entity_id,
        "data": data,
    }
    if change.op == "delete":
        verb = "deleted"
    elif not known:
        verb = "created"
    elif (
        change.entity == "orders"
        and previous is not None
        and data is not None
        and previous.get("station_id") != data.get("station_id")
    ):
        verb = "moved"
        event["from_station_id"] = previous.get("station_id")
    else:
        verb = "updated"
    event["type"] = f"{kind}.{verb}"
    return event


def _without_secrets(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    data = sync_rows.redact(entity, data)  # what sync hides is hidden here too
    if SECRET_FIELDS.isdisjoint(data):
        return data
    return {k: v for k, v in data.items() if k not in SECRET_FIELDS}


def events_for(changes: Iterable[Change], engine: Engine) -> list[Event]:
    """Classify committed changes (created / updated / moved / deleted) against the change log.

    Runs on the publishing (writer) thread right after commit, or on a replay's read thread.
    """
    changes = list(changes)
    if not changes:
        return []
    seen: dict[tuple[str, str], dict[str, Any] | None] = {}
    out = []
    with read_session(engine) as session:
        conn = session.connection()
        for change in changes:
            key = (change.entity, change.entity_id)
            if key in seen:
                previous, known = seen[key], True
            else:
                row = conn.execute(
                    text(
                        "SELECT data_json FROM change_log WHERE entity = :e AND entity_id = :i"
                        " AND version < :v ORDER BY version DESC LIMIT 1"
                    ),
                    {"e": change.entity, "i": change.entity_id, "v": change.version},
                ).first()
                known = row is not None
                previous = _json(row[0]) if row is not None else None
            out.append(to_event(change, previous, known))
            seen[key] = change.data
    return out


def _json(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    import json

    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else None


class Audience:
    """Who hears what. Stations get their own station's orders and stock plus the station-wide
    things (stations, settings, schedule); customers' data never leaves the organiser."""

    def __init__(self) -> None:
        self._order_station: dict[str, int | None] = {}  # for order items and moved orders

    def remember(self, event: Event) -> None:
        if event["entity"] == "orders" and event["data"] is not None:
            if len(self._order_station) > 100_000:
                self._order_station.clear()
            self._order_station[event["id"]] = event["data"].get("station_id")

    def concerns(self, device: DeviceInfo, event: Event) -> bool:
        role, entity, data = device.role, event["entity"], event["data"] or {}
        if role == "organiser":
            return True
        if entity == "settings" and event["id"] in ORGANISER_SETTINGS:
            return False
        if entity in ("orders", "order_items"):
            if role != "barista":
                return True
            if entity == "orders":
                station = data.get("station_id")
                return station in (None, device.station_id) or (
                    event.get("from_station_id") == device.station_id
                )
            owner = self._order_station.get(str(data.get("order_id")), device.station_id)
            return owner in (None, device.station_id)
        if role == "barista":
            if entity == "chat_messages":
                return data.get("channel") in ("all", f"station:{device.station_id}")
            if entity == "stock_items":
                return data.get("station_id") == device.station_id
            return entity in _BARISTA
        if role == "runner":
            if entity == "chat_messages":
                return data.get("channel") == "all"
            return entity in _RUNNER
        return entity in _SHARED  # display: a ready board
