"""The event's settings, declared once with their defaults and checks; and station chat.

Settings are stored per key in ``settings`` (JSON) only when they differ from the default, and
every write goes through ``emit``: stations hear about it through sync, and the SMS
conversation's read cache drops what it held, so a change counts from the very next text.
``check`` is the one place a value is judged, whichever way it came (the organiser's window,
the LAN API, a station's ``settings.set``); the API's models only type it at the edge.

| key | type | default | |
|---|---|---|---|
| ``milk_colours`` | {milk: "#RRGGBB"} | the menu's | colour of each milk on the cards |
| ``templates`` | {name: text} | {} | overrides of the bundled reply templates |
| ``sponsor_line`` | str ≤160 | "" | rides on a confirmation when it costs no segment |
| ``vip_codes`` | [code] | [] | 3–20 letters/digits, case-insensitive: the order is VIP |
| ``reminder_minutes`` | 1–120 | 10 | a ready order not collected is reminded after |
| ``max_drinks_per_order`` | 1–99 | 10 | more drinks in one text are asked to confirm |
| ``throttle_wait_minutes`` | 0–240 | 20 | a quoted wait above it holds new orders; 0: off |
| ``throttle_mode`` | confirm/pause | confirm | held orders are asked YES, or told to retry |
| ``station_settings`` | {station id: {...}} | {} | per station, see ``core.station_settings`` |

Why 20 minutes: a coffee break at an event is 15–30 minutes, so a longer wait means missing the
next session; at the default 90 s a drink that is about 13 drinks ahead of one barista.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from expresso_desktop.core import intake
from expresso_desktop.core import station_settings as per_station
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.templates import TemplateSet, validate_template
from expresso_desktop.services.changes import emit, emit_new_rows, fetch, loaded
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import ChatMessage, Station
from expresso_desktop.store.types import utcnow

STATION_SETTINGS = "station_settings"
MAX_DRINKS_PER_ORDER = 10
THROTTLE_WAIT_MINUTES = 20
MAX_THROTTLE_MINUTES = 240
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[A-Za-z0-9]{3,20}$")
MAX_CODES = 200
MAX_SPONSOR_CHARS = 160


def defaults(menu: Menu) -> dict[str, Any]:
    return {
        "milk_colours": {m.name: m.colour for m in menu.milks if m.name != NO_MILK},
        "templates": {},  # overrides of the bundled templates, by name
        "sponsor_line": "",
        "vip_codes": [],
        "reminder_minutes": 10,
        "max_drinks_per_order": MAX_DRINKS_PER_ORDER,
        "throttle_wait_minutes": THROTTLE_WAIT_MINUTES,
        "throttle_mode": "confirm",
        STATION_SETTINGS: {},  # by station id; stored per station and name (see module doc)
    }


def current(session: Session, menu: Menu) -> dict[str, Any]:
    stored = settings_repo.get_all(session=session)
    base = defaults(menu)
    values = {key: stored.get(key, value) for key, value in base.items()}
    values[STATION_SETTINGS] = station_values(session, stored)
    return values


def station_values(
    session: Session, stored: Mapping[str, Any] | None = None
) -> dict[str, dict[str, per_station.Value]]:
    """Every station's settings, defaults filled in, by station id (as a string: JSON keys)."""
    stored = settings_repo.get_all(session=session) if stored is None else stored
    ids = session.exec(select(Station.id).where(Station.deleted == False)).all()  # noqa: E712
    own: dict[int, dict[str, Any]] = {i: {} for i in ids if i is not None}
    for key, value in stored.items():
        parsed = per_station.parse_key(key)
        if parsed is not None and parsed[0] in own:
            own[parsed[0]][parsed[1]] = value
    return {str(i): per_station.effective(own[i]) for i in sorted(own)}


def intake_limits(session: Session) -> intake.Limits:
    """The limits the SMS conversation applies to a new order."""

    def get(key: str, default: Any) -> Any:
        return settings_repo.get(key, default, session=session)

    return intake.Limits(
        max_drinks=get("max_drinks_per_order", MAX_DRINKS_PER_ORDER),
        throttle_minutes=get("throttle_wait_minutes", THROTTLE_WAIT_MINUTES),
        throttle_mode=get("throttle_mode", "confirm"),
    )


def check(key: str, value: Any, menu: Menu, templates: TemplateSet) -> Any:
    """``value`` as stored for ``key``, or a ValidationError naming the field. Station settings
    need the store (which stations exist): ``check_station_entry``."""
    checker = _CHECKS.get(key)
    if checker is None:
        raise ValidationError(f"{key!r} is not a setting", field=key)
    return checker(value, menu, templates)


def _milk_colours(value: Any, menu: Menu, _: TemplateSet) -> dict[str, str]:
    mapping = _mapping(value, "milk_colours")
    for milk, colour in mapping.items():
        if milk not in menu.milk_names or milk == NO_MILK:
            raise ValidationError(f"{milk!r} is not a milk on the menu", field="milk_colours")
        if not isinstance(colour, str) or not _COLOUR.match(colour):
            field = f"milk_colours.{milk}"
            raise ValidationError(f"{field}: a colour is #RRGGBB, e.g. #c8a165", field=field)
    return {**defaults(menu)["milk_colours"], **mapping}


def _templates(value: Any, _: Menu, templates: TemplateSet) -> dict[str, str]:
    mapping = _mapping(value, "templates")
    for name, text in mapping.items():
        if name not in templates.templates:
            raise ValidationError(f"there is no template named {name!r}", field="templates")
        if not isinstance(text, str):
            raise ValidationError(f"{name}: a template is text", field=f"templates.{name}")
        try:
            validate_template(text)
        except ValidationError as exc:
            raise ValidationError(f"{name}: {exc.reason}", field=f"templates.{name}") from None
    return mapping


def _sponsor_line(value: Any, _: Menu, __: TemplateSet) -> str:
    if not isinstance(value, str) or len(value) > MAX_SPONSOR_CHARS:
        raise ValidationError(
            f"sponsor_line must be text of at most {MAX_SPONSOR_CHARS} characters",
            field="sponsor_line",
        )
    return value


def _vip_codes(value: Any, _: Menu, __: TemplateSet) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_CODES:
        raise ValidationError(f"vip_codes must be a list of up to {MAX_CODES}", field="vip_codes")
    for i, code in enumerate(value):
        if not isinstance(code, str) or not _CODE.match(code):
            field = f"vip_codes[{i}]"
            raise ValidationError(f"{field}: a code is 3-20 letters or digits", field=field)
    return sorted({code.upper() for code in value})


def _whole(key: str, low: int, high: int) -> Any:
    def check_whole(value: Any, _: Menu, __: TemplateSet) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"{key} must be a whole number from {low} to {high}", field=key)
        return value

    return check_whole


def _throttle_mode(value: Any, _: Menu, __: TemplateSet) -> str:
    if value not in intake.THROTTLE_MODES:
        modes = " or ".join(intake.THROTTLE_MODES)
        raise ValidationError(f"throttle_mode must be {modes}", field="throttle_mode")
    return str(value)


def _station_settings(value: Any, _: Menu, __: TemplateSet) -> Any:
    raise ValidationError(
        "station settings are set per station and name (station.<id>.<name>)",
        field=STATION_SETTINGS,
    )


def _mapping(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValidationError(f"{field} must be an object", field=field)
    return value


_CHECKS = {
    "milk_colours": _milk_colours,
    "templates": _templates,
    "sponsor_line": _sponsor_line,
    "vip_codes": _vip_codes,
    "reminder_minutes": _whole("reminder_minutes", 1, 120),
    "max_drinks_per_order": _whole("max_drinks_per_order", 1, intake.HARD_LIMIT),
    "throttle_wait_minutes": _whole("throttle_wait_minutes", 0, MAX_THROTTLE_MINUTES),
    "throttle_mode": _throttle_mode,
    STATION_SETTINGS: _station_settings,
}


def check_station_entry(
    session: Session, station_id: int, changes: Mapping[str, Any], *, field: str
) -> dict[str, per_station.Value]:
    """Changes to one station's settings, checked: the station exists, every name is known and
    typed, and the card ages still make sense with what is stored."""
    station = session.get(Station, station_id)
    if station is None or station.deleted:
        raise ValidationError(f"{field}: there is no station {station_id}", field=field)
    checked = {
        name: per_station.check(name, value, field=f"{field}.{name}")
        for name, value in changes.items()
    }
    now = station_values(session).get(str(station_id), dict(per_station.DEFAULTS))
    per_station.check_ages({**now, **checked}, field=field)
    return checked


def check_key(session: Session, key: str, value: Any, menu: Menu, templates: TemplateSet) -> Any:
    """One stored row's value, checked (a station's ``settings.set`` writes one row)."""
    parsed = per_station.parse_key(key)
    if parsed is None:
        return check(key, value, menu, templates)
    station_id, name = parsed
    field = f"{STATION_SETTINGS}.{station_id}"
    return check_station_entry(session, station_id, {name: value}, field=field)[name]


def update(tx: Tx, changes: dict[str, Any], menu: Menu, templates: TemplateSet) -> None:
    entries = changes.get(STATION_SETTINGS)
    plain = {key: value for key, value in changes.items() if key != STATION_SETTINGS}
    checked = {key: check(key, value, menu, templates) for key, value in plain.items()}
    base = defaults(menu)
    for key, value in checked.items():
        _store(tx, key, value, value == base[key])
    if entries is not None:
        _update_stations(tx, _mapping(entries, STATION_SETTINGS))


def _update_stations(tx: Tx, entries: dict[str, Any]) -> None:
    """Only the names given change; a value equal to the default removes the stored one."""
    for station, values in entries.items():
        field = f"{STATION_SETTINGS}.{station}"
        if not station.isdigit():
            raise ValidationError(f"{field}: a station is named by its id", field=field)
        mapping = _mapping(values, field)
        checked = check_station_entry(tx.session, int(station), mapping, field=field)
        for name, value in checked.items():
            key = per_station.key_for(int(station), name)
            _store(tx, key, value, value == per_station.DEFAULTS[name])


def _store(tx: Tx, key: str, value: Any, is_default: bool) -> None:
    if is_default:
        row = settings_repo.delete(key, session=tx.session)
    else:
        row = settings_repo.put(key, value, session=tx.session)
    if row is not None:
        emit(tx.session, tx.changes, "settings", row, entity_id=key)


def post_chat(tx: Tx, message: ChatMessage) -> ChatMessage:
    """Append-only: re-sending the same id returns the stored message unchanged."""
    return post_chat_values(tx, message.model_dump())


def post_chat_values(tx: Tx, values: Mapping[str, Any]) -> ChatMessage:
    """``post_chat`` from a message's values (``id``, ``channel``, ``author``, ``body``, maybe
    ``client_ts``; the rest as ``ChatMessage`` fills it in): a station's chat in its push is
    stored with plain SQL, no model built (~0.1 ms less each). A new message is returned as a
    snapshot of the row written (messages are never changed)."""
    existing = fetch(tx.session, ChatMessage, values["id"])
    if existing is not None:
        return existing
    row = {"created_at": utcnow(), **_CHAT_DEFAULTS, **values}
    emit_new_rows(tx.session, tx.changes, [("chat_messages", row)])
    return loaded(None, ChatMessage, row)


# Every column's default, as ``ChatMessage(...)`` would fill it in.
_CHAT_DEFAULTS = ChatMessage(channel="", author="", body="").model_dump(
    exclude={"id", "created_at"}
)
