"""First run on an empty data folder: is the event still to be set up, and the wizard's answer
written in one transaction (the demo seeded or not, the event named and zoned) with a marker so
the wizard never shows again.

"To be set up" means: the ``setup_done`` setting is absent and the folder holds nothing of an
event yet (no station, no order) — a folder an older Expresso filled, or one ``--demo`` seeded,
is already set up. Rules stay with their owners: the name and zone are ``event_admin``'s checks,
the sample event is ``demo.seed_demo``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from expresso_desktop.core.menu import MenuSource
from expresso_desktop.services import event_admin
from expresso_desktop.services.changes import emit
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import DEFAULT_EVENT_NAME
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Event, Order, Station

SETUP_DONE = "setup_done"  # a setting: the wizard was finished or skipped
_LOCALTIME = Path("/etc/localtime")


@dataclass(frozen=True, slots=True)
class SetupChoice:
    """What the wizard asked: the event's name and zone, and whether to start from the demo."""

    event_name: str
    timezone: str
    demo: bool


@dataclass(frozen=True, slots=True)
class SetupState:
    needed: bool
    event_name: str
    timezone: str  # the event's, or this computer's zone while the event has the default


def needs_setup(session: Session) -> bool:
    if settings_repo.get(SETUP_DONE, None, session=session) is not None:
        return False
    has_station = session.exec(select(Station.id).limit(1)).first() is not None
    return not has_station and session.exec(select(Order.id).limit(1)).first() is None


def finish_setup(tx: Tx, choice: SetupChoice, *, event_id: int, menu: MenuSource) -> None:
    """The wizard's answer, all or nothing: a bad name or zone writes nothing (a
    ``ValidationError`` naming ``name`` or ``timezone``)."""
    changes = {"name": choice.event_name, "timezone": choice.timezone}
    if choice.demo:
        seed_demo(tx, event_id=event_id, menu=menu.current_menu())
        if " ".join(choice.event_name.split()) == DEFAULT_EVENT_NAME:
            del changes["name"]  # the name was left as it was: keep the demo's
    event_admin.update_event(tx, event_id, changes)
    mark_done(tx)


def mark_done(tx: Tx) -> None:
    """Never ask again ("Skip", or the end of the wizard)."""
    row = settings_repo.put(SETUP_DONE, True, session=tx.session)
    emit(tx.session, tx.changes, "settings", row, entity_id=SETUP_DONE)


def local_zone() -> str:
    """This computer's IANA zone when it can be told (``TZ``, or where /etc/localtime points),
    else UTC: the wizard's suggestion."""
    zones = set(event_admin.time_zones())
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(str(_LOCALTIME.resolve()).partition("zoneinfo/")[2])
    return next((zone for zone in candidates if zone in zones), "UTC")


class FirstRun:
    """For the wizard, given by the composition root: a read and the two writes."""

    def __init__(self, engine: Engine, event_id: int, menu: MenuSource) -> None:
        self._engine, self._event_id, self._menu = engine, event_id, menu

    def state(self) -> SetupState:
        """Blocking: run it off the GUI thread."""
        with read_session(self._engine) as session:
            event = session.get(Event, self._event_id)
            zone = event.timezone if event is not None else "UTC"
            return SetupState(
                needed=needs_setup(session),
                event_name=event.name if event is not None else DEFAULT_EVENT_NAME,
                timezone=local_zone() if zone == "UTC" else zone,
            )

    def finish(self, tx: Tx, choice: SetupChoice) -> None:
        finish_setup(tx, choice, event_id=self._event_id, menu=self._menu)

    def skip(self, tx: Tx) -> None:
        mark_done(tx)
