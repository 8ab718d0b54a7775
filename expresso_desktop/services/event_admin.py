"""The event's own record as the organiser edits it — name, branding colours, logo, time zone,
start and end — and what the Settings screen reads and writes in one go.

``update_event`` is the one place those fields are judged (the LAN API's ``PATCH /event`` and
the window both call it). A logo is a file the organiser picks anywhere: ``import_logo`` copies
it into the data folder (``branding/``, private like the rest) under a name made of its hash,
and the event keeps that path relative to the data folder, so a moved folder keeps its logo.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import Engine
from sqlmodel import Session

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.menu import Menu, MenuSource
from expresso_desktop.core.sms.parser import parse_sms
from expresso_desktop.core.templates import TemplateSet
from expresso_desktop.core.text import check_name
from expresso_desktop.errors import KnownError
from expresso_desktop.services import event_settings, menu_admin
from expresso_desktop.services.changes import emit
from expresso_desktop.services.menu_admin import Kind, NewEntry, read_menu
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import private_dir, write_private
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event

MAX_NAME_CHARS = 80
MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PATH = 500
BRANDING_DIR = "branding"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The image kinds a logo may be, by their first bytes (the file name says nothing).
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
FIELDS = frozenset(
    {"name", "primary_colour", "accent_colour", "logo_path", "timezone", "starts_at", "ends_at"}
)


class EventNotFound(DomainError):
    code = "not_found"


@dataclass(frozen=True, slots=True)
class EventView:
    name: str
    primary_colour: str
    accent_colour: str
    logo_path: str | None
    timezone: str
    row_version: int


@dataclass(frozen=True)
class SettingsPage:
    """Everything the Settings screen shows, read in one snapshot."""

    event: EventView
    values: Mapping[str, Any]  # ``event_settings.current``: every key, defaults filled in
    menu: Menu  # the event's menu as stored now
    bundled: TemplateSet  # the templates an override replaces (and "Reset" goes back to)


def read_page(session: Session, event_id: int, bundled: TemplateSet) -> SettingsPage:
    event = _event(session, event_id)
    menu = read_menu(session, event_id)
    return SettingsPage(
        event=EventView(
            name=event.name,
            primary_colour=event.primary_colour,
            accent_colour=event.accent_colour,
            logo_path=event.logo_path,
            timezone=event.timezone,
            row_version=event.row_version,
        ),
        values=event_settings.current(session, menu),
        menu=menu,
        bundled=bundled,
    )


def save_settings(
    tx: Tx, event_id: int, changes: dict[str, Any], bundled: TemplateSet
) -> SettingsPage:
    """``event_settings.update`` checked against the menu as stored now; the page after it."""
    event_settings.update(tx, changes, read_menu(tx.session, event_id), bundled)
    return read_page(tx.session, event_id, bundled)


def save_event(
    tx: Tx, event_id: int, changes: Mapping[str, Any], bundled: TemplateSet
) -> SettingsPage:
    update_event(tx, event_id, changes)
    return read_page(tx.session, event_id, bundled)


def update_event(tx: Tx, event_id: int, changes: Mapping[str, Any]) -> Event:
    """Only the fields given change; ``None`` clears the logo, start or end."""
    unknown = sorted(set(changes) - FIELDS)
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a field of the event", field=unknown[0])
    event = _event(tx.session, event_id)
    for key, value in changes.items():
        setattr(event, key, _CHECKS[key](value, key))
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        raise ValidationError("the event ends before it starts", field="ends_at")
    tx.session.add(event)
    emit(tx.session, tx.changes, "events", event)
    return event


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.deleted:
        raise EventNotFound("no event")
    return event


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("the event needs a name", field=field)
    name = " ".join(value.split())
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(f"a name is at most {MAX_NAME_CHARS} characters", field=field)
    try:
        return check_name(name)
    except ValueError as exc:
        raise ValidationError(f"the name {exc}", field=field) from None


def _colour(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _COLOUR.match(value.strip()):
        raise ValidationError("a colour is #RRGGBB, e.g. #6f4e37", field=field)
    return value.strip().lower()


def _logo(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LOGO_PATH:
        raise ValidationError(f"a logo is a file path of at most {MAX_LOGO_PATH}", field=field)
    try:
        return check_name(value.strip())
    except ValueError as exc:
        raise ValidationError(f"the logo's path {exc}", field=field) from None


def _zone(value: Any, field: str) -> str:
    if not isinstance(value, str) or value not in _zones():
        raise ValidationError("not an IANA time zone name, e.g. Australia/Sydney", field=field)
    return value


def _instant(value: Any, field: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise ValidationError("a time with its UTC offset", field=field)
    return value


_CHECKS = {
    "name": _name,
    "primary_colour": _colour,
    "accent_colour": _colour,
    "logo_path": _logo,
    "timezone": _zone,
    "starts_at": _instant,
    "ends_at": _instant,
}


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zones() -> list[str]:
    """Every IANA zone name, sorted (for a picker)."""
    return sorted(_zones())


# -- the logo file -----------------------------------------------------------------------------


def import_logo(data_dir: Path, source: Path) -> str:
    """Copy the image at ``source`` into the data folder; the path to store in ``logo_path``
    (relative to ``data_dir``). ``KnownError`` when it cannot be read or is not an image."""
    try:
        with source.open("rb") as fh:
            data = fh.read(MAX_LOGO_BYTES + 1)
    except OSError as exc:
        raise KnownError(f"cannot read {source.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_LOGO_BYTES:
        raise KnownError(f"{source.name} is larger than 2 MB; pick a smaller image")
    kind = next((ext for magic, ext in _IMAGE_MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise KnownError(f"{source.name} is not a PNG, JPEG or GIF image")
    folder = private_dir(data_dir / BRANDING_DIR)
    name = f"logo-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
    target = folder / name
    if not target.exists():
        write_private(target, data)
    return f"{BRANDING_DIR}/{name}"


def logo_file(data_dir: Path, logo_path: str | None) -> Path | None:
    """Where a stored ``logo_path`` is on this machine (a relative one is in the data folder)."""
    if not logo_path:
        return None
    path = Path(logo_path)
    return path if path.is_absolute() else data_dir / path


def read_logo(data_dir: Path, logo_path: str | None) -> bytes | None:
    """The logo's bytes for a preview; None when there is none or it is gone."""
    path = logo_file(data_dir, logo_path)
    if path is None:
        return None
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_LOGO_BYTES + 1)
    except OSError:
        return None


# -- the Settings screen's calls ---------------------------------------------------------------


class EventAdmin:
    """What the Settings screen calls, bound to the event: ``read``, ``import_logo``,
    ``read_logo`` and ``try_text`` block (run them with ``ops.query``); the others take the
    writer's ``Tx`` (``ops.write``) and return the page as it is after the write."""

    def __init__(
        self,
        engine: Engine,
        *,
        event_id: int,
        bundled: TemplateSet,
        data_dir: Path,
        menus: MenuSource,
    ) -> None:
        self._engine = engine
        self.event_id = event_id
        self.bundled = bundled
        self.data_dir = data_dir
        self._menus = menus

    def read(self) -> SettingsPage:
        with read_session(self._engine) as session:
            return read_page(session, self.event_id, self.bundled)

    def save_settings(self, tx: Tx, changes: dict[str, Any]) -> SettingsPage:
        return save_settings(tx, self.event_id, changes, self.bundled)

    def save_event(self, tx: Tx, changes: Mapping[str, Any]) -> SettingsPage:
        return save_event(tx, self.event_id, changes, self.bundled)

    def add_entry(self, tx: Tx, entry: NewEntry) -> SettingsPage:
        menu_admin.add_entry(tx, self.event_id, entry)
        return read_page(tx.session, self.event_id, self.bundled)

    def remove_entry(self, tx: Tx, kind: Kind, name: str) -> SettingsPage:
        menu_admin.remove_entry(tx, self.event_id, kind, name)
        return read_page(tx.session, self.event_id, self.bundled)

    def set_synonyms(self, tx: Tx, kind: Kind, name: str, synonyms: list[str]) -> SettingsPage:
        menu_admin.set_synonyms(tx, self.event_id, kind, name, synonyms)
        return read_page(tx.session, self.event_id, self.bundled)

    def import_logo(self, source: Path) -> str:
        return import_logo(self.data_dir, source)

    def read_logo(self, logo_path: str | None) -> bytes | None:
        return read_logo(self.data_dir, logo_path)

    def try_text(self, text: str) -> str:
        """How a customer's ``text`` is read with the menu as it is now, in one line."""
        menu = self._menus.current_menu()
        result = parse_sms(text, menu)
        if result.intent != "order" or not result.items:
            return f"Not an order: read as {result.intent.replace('_', ' ')}"
        drinks = ", ".join(item.summary(menu) for item in result.items)
        who = f" for {result.name}" if result.name else ""
        return f"Order{who}: {drinks}"
