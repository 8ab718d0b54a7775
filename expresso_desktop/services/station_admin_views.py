"""The Stations screen's reads and saves: each station as a row (what it makes, open/paused/
closed, the drinks waiting there, its measured make time, whether a paired device is talking to
us), the event's menu as the choices a station can make, and a station saved from a form.

The rules are ``station_admin``'s (``create_station``: a number is used once per event;
``check_capabilities``: only what the menu has); ``draft_problems`` is the LAN API's edge
checks (server/api_stations.py) without I/O, so a form shows them as the user types and
``save_station`` checks again. Reads are blocking snapshot reads (run them off the GUI thread);
saves are functions of a ``Tx``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.text import check_name
from expresso_desktop.services import station_admin
from expresso_desktop.services.devices import LAST_SEEN_EVERY_S
from expresso_desktop.services.menu_admin import read_menu
from expresso_desktop.services.pairing import station_label
from expresso_desktop.services.station_views import load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Device, Station
from expresso_desktop.store.tables_station import STATION_STATUSES
from expresso_desktop.store.types import utcnow

STATUSES = STATION_STATUSES
# The LAN API's limits (server/api_stations.py), so a form refuses what the API would.
NUMBER_MAX, NAME_MAX, LOCATION_MAX, MAP_URL_MAX = 999, 40, 120, 500
_MAP_URL = re.compile(r"^https?://\S+$")
# A connected station's device is marked seen every LAST_SEEN_EVERY_S (its open socket, its
# requests); two missed marks and a half mean it is gone.
ONLINE_WITHIN = timedelta(seconds=LAST_SEEN_EVERY_S * 2.5)
STATUS_WORDS = {"open": "▶ Open", "paused": "❚❚ Paused", "closed": "■ Closed"}


@dataclass(frozen=True, slots=True)
class MenuChoices:
    """What a station may be set to make: the event's menu names now."""

    drinks: tuple[str, ...]
    milks: tuple[str, ...]
    extras: tuple[str, ...]

    @classmethod
    def of(cls, menu: Menu) -> MenuChoices:
        return cls(menu.drink_names, menu.milk_names, menu.extra_names)


@dataclass(frozen=True, slots=True)
class StationRow:
    id: int
    number: int
    name: str | None  # None: shown as "Station <number>"
    label: str  # "Station 3 · Garden Bar"
    location: str
    map_url: str | None
    status: str
    drinks: tuple[str, ...]
    milks: tuple[str, ...]
    extras: tuple[str, ...]
    makes: str  # "10/13 drinks · 5/9 milks · no extras"
    make_time_s: float | None  # measured median per drink; None until enough were made
    waiting: int  # drinks not yet made there (new and in progress)
    devices: int  # active devices paired for this station
    last_seen: datetime | None  # the latest any of them talked to us

    @property
    def status_word(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    def online(self, now: datetime) -> bool:
        return self.last_seen is not None and now - self.last_seen <= ONLINE_WITHIN

    def connection(self, now: datetime) -> str:
        """ "● Online", "○ Offline 12 min", "○ Not connected yet" or "— No device paired"."""
        if self.devices == 0:
            return "— No device paired"
        if self.last_seen is None:
            return "○ Not connected yet"
        if self.online(now):
            return "● Online"
        return f"○ Offline {_ago(now - self.last_seen)}"


@dataclass(frozen=True, slots=True)
class StationDraft:
    """A station as a form holds it (``id`` None: a new one). The number and status of a
    stored station are not changed by saving it (see ``save_station``)."""

    id: int | None
    number: int
    name: str
    location: str
    map_url: str
    status: str
    drinks: tuple[str, ...]
    milks: tuple[str, ...]
    extras: tuple[str, ...]


class StationAdminReads:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self.event_id = event_id

    def rows(self, ids: Iterable[int] | None = None) -> list[StationRow]:
        """Every station of the event (by number), or just these ids (removed ones left out)."""
        with read_session(self._engine) as session:
            return station_rows(session, self.event_id, ids)

    def menu_choices(self) -> MenuChoices:
        with read_session(self._engine) as session:
            return MenuChoices.of(read_menu(session, self.event_id))


def station_rows(
    session: Session, event_id: int, ids: Iterable[int] | None = None
) -> list[StationRow]:
    stations = list(station_admin.list_stations(session, event_id))
    if ids is not None:
        wanted = set(ids)
        stations = [s for s in stations if s.id in wanted]
    if not stations:
        return []
    menu = read_menu(session, event_id)
    floor = load_floor(session, event_id, utcnow())
    waiting = {int(v.id): v.queue_length for v in floor.views}
    seen = _devices(session, [s.id for s in stations if s.id is not None])
    return [_row(s, menu, waiting.get(s.id or 0, 0), seen.get(s.id or 0)) for s in stations]


def draft_problems(draft: StationDraft, taken: Collection[int] = ()) -> dict[str, str]:
    """What is wrong with ``draft`` by field ("number", "name", "location", "map_url",
    "status"); {} when it may be saved. ``taken``: the numbers other stations use. Pure."""
    problems: dict[str, str] = {}
    if not 1 <= draft.number <= NUMBER_MAX:
        problems["number"] = f"a station number is 1-{NUMBER_MAX}"
    elif draft.id is None and draft.number in taken:
        problems["number"] = f"station {draft.number} already exists"
    for field, value, limit in (
        ("name", draft.name, NAME_MAX),
        ("location", draft.location, LOCATION_MAX),
    ):
        if len(value.strip()) > limit:
            problems[field] = f"at most {limit} characters"
        else:
            _check(problems, field, value)
    url = draft.map_url.strip()
    if url and (len(url) > MAP_URL_MAX or not _MAP_URL.match(url)):
        problems["map_url"] = "a map link starts with https:// (or http://) and has no spaces"
    if draft.status not in STATUSES:
        problems["status"] = f"unknown status {draft.status!r}"
    return problems


def makes(
    drinks: Collection[str], milks: Collection[str], extras: Collection[str], menu: MenuChoices
) -> str:
    """ "All 13 drinks · 5/9 milks · no extras": how much of the menu a station makes."""
    parts = []
    for kind, chosen, known in (
        ("drinks", drinks, menu.drinks),
        ("milks", milks, menu.milks),
        ("extras", extras, menu.extras),
    ):
        have = len(set(chosen) & set(known))
        if have == 0:
            parts.append(f"no {kind}")
        elif have == len(known):
            parts.append(f"all {have} {kind}")
        else:
            parts.append(f"{have}/{len(known)} {kind}")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


# -- writes (functions of a Tx, for the single writer) -----------------------------------------
def save_station(tx: Tx, *, event_id: int, draft: StationDraft) -> StationRow:
    """A new station or a change to one; what it makes checked against the event's menu as
    stored now. A stored station keeps its number (customers text it) and its status (set at
    once with ``set_status``, by the organiser or its barista: a save of other fields must not
    undo a pause made meanwhile)."""
    problems = draft_problems(draft)
    if problems:
        field, reason = next(iter(problems.items()))
        raise ValidationError(reason, field=field)
    menu = read_menu(tx.session, event_id)
    caps = {"drinks": draft.drinks, "milks": draft.milks, "extras": draft.extras}
    fields = {
        "name": draft.name.strip() or None,
        "location": draft.location.strip(),
        "map_url": draft.map_url.strip() or None,
        "capabilities": station_admin.check_capabilities(
            {kind: list(names) for kind, names in caps.items()}, menu
        ),
    }
    if draft.id is None:
        station = station_admin.create_station(
            tx, event_id=event_id, number=draft.number, fields={**fields, "status": draft.status}
        )
    else:
        station = station_admin.update_station(
            tx, station_admin.get_station(tx.session, draft.id), fields
        )
    return _one(tx.session, event_id, station)


def set_status(tx: Tx, *, event_id: int, station_id: int, status: str) -> StationRow:
    """Open, pause or close a station now."""
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}", field="status")
    station = station_admin.get_station(tx.session, station_id)
    return _one(tx.session, event_id, station_admin.update_station(tx, station, {"status": status}))


def remove_station(tx: Tx, *, station_id: int) -> int:
    """The station goes (a tombstone: its number may be used again); returns its id."""
    station_admin.delete_station(tx, station_admin.get_station(tx.session, station_id))
    return station_id


# -- internals -----------------------------------------------------------------------------------
def _one(session: Session, event_id: int, station: Station) -> StationRow:
    assert station.id is not None
    session.flush()
    (row,) = station_rows(session, event_id, [station.id])
    return row


def _check(problems: dict[str, str], field: str, value: str) -> None:
    try:
        check_name(value)
    except ValueError as exc:
        problems.setdefault(field, str(exc))


def _devices(session: Session, station_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """Per station: its active paired devices and when one of them was last seen."""
    rows = session.exec(
        select(Device.station_id, Device.last_seen).where(
            col(Device.station_id).in_(station_ids), col(Device.revoked_at).is_(None)
        )
    ).all()
    out: dict[int, tuple[int, datetime | None]] = {}
    for station_id, seen in rows:
        if station_id is None:
            continue
        count, latest = out.get(station_id, (0, None))
        if seen is not None and (latest is None or seen > latest):
            latest = seen
        out[station_id] = (count + 1, latest)
    return out


def _row(
    s: Station, menu: Menu, waiting: int, seen: tuple[int, datetime | None] | None
) -> StationRow:
    assert s.id is not None
    caps = s.capabilities_json or {}
    drinks, milks, extras = (tuple(caps.get(kind) or ()) for kind in ("drinks", "milks", "extras"))
    devices, last_seen = seen or (0, None)
    return StationRow(
        id=s.id,
        number=s.number,
        name=s.name,
        label=station_label(s.number, s.name),
        location=s.location,
        map_url=s.map_url,
        status=s.status,
        drinks=drinks,
        milks=milks,
        extras=extras,
        makes=makes(drinks, milks, extras, MenuChoices.of(menu)),
        make_time_s=s.make_time_s,
        waiting=waiting,
        devices=devices,
        last_seen=last_seen,
    )


def _ago(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{max(1, minutes)} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60:02} min" if hours < 24 else f"{hours // 24} d"
