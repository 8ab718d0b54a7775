"""What every customer text is written with, as the organiser has set it now: the templates
(the bundled ones under the event's overrides), the event's name for ``{event}``, the sponsor
line and the reminder timing.

``LiveTexts`` keeps that between texts and drops it as soon as the change bus announces a change
to the settings or the event, whoever made it (the LAN API, a window, a station through sync): the
next text is written with the new values, and a text costs a dictionary lookup, not a read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.templates import TemplateSet, validate_template
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import ChangeBus
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event

log = logging.getLogger(__name__)

# What the texts are derived from: a change to either is heard on the bus.
SOURCES = frozenset({"settings", "events"})
_KEY = "text-settings"


@dataclass(frozen=True)
class TextSettings:
    templates: TemplateSet  # bundled + the event's overrides, with ``{event}`` filled in
    sponsor_line: str  # "" when there is none
    reminder_minutes: float  # a ready order not collected after this: remind once
    event_name: str


def read_text_settings(
    session: Session, *, event_id: int, menu: Menu, bundled: TemplateSet
) -> TextSettings:
    """The settings as stored now (one read of the settings, one of the event)."""
    values = event_settings.current(session, menu)
    default = event_settings.defaults(menu)
    event = session.get(Event, event_id)
    name = event.name if event is not None and not event.deleted else ""
    templates = bundled.with_overrides(_usable_overrides(values["templates"], bundled))
    sponsor = values["sponsor_line"]
    return TextSettings(
        templates=templates.with_values(event=name),
        sponsor_line=sponsor.strip() if isinstance(sponsor, str) else "",
        reminder_minutes=_minutes(values["reminder_minutes"], default["reminder_minutes"]),
        event_name=name,
    )


def _usable_overrides(raw: Any, bundled: TemplateSet) -> dict[str, str]:
    """The overrides a text can be written with. The settings service checks them on the way in;
    one stored by an older version that no longer fits is left out (and logged), never allowed
    to stop every text."""
    if not isinstance(raw, Mapping):
        return {}
    usable = {}
    for name, text in raw.items():
        if name not in bundled.templates or not isinstance(text, str):
            log.warning("ignoring the stored template override %r: no such template", name)
            continue
        try:
            validate_template(text)
        except ValidationError as exc:
            log.warning("ignoring the stored template override %r: %s", name, exc.reason)
            continue
        usable[name] = text
    return usable


def _minutes(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(default)
    return max(0.0, float(value))


class LiveTexts:
    """The event's ``TextSettings`` as they are now, kept until the bus announces a change to
    what they come from. Any thread; a ``TemplateSource`` for the renderers."""

    def __init__(
        self,
        engine: Engine,
        bus: ChangeBus | None,
        *,
        event_id: int,
        menu: Menu,
        bundled: TemplateSet,
    ) -> None:
        self._engine = engine
        self._event_id = event_id
        self._menu = menu
        self.bundled = bundled
        self._cache = ReadCache(bus)

    def current(self) -> TextSettings:
        return self._cache.get(_KEY, SOURCES, self._load)

    def current_templates(self) -> TemplateSet:
        return self.current().templates

    def close(self) -> None:
        self._cache.close()

    def _load(self) -> TextSettings:
        with read_session(self._engine) as session:
            return read_text_settings(
                session, event_id=self._event_id, menu=self._menu, bundled=self.bundled
            )
