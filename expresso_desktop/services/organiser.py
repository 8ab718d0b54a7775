"""The organiser's service container: what the window, the headless server and the tests share.

Built once by the composition root (``app.py`` or ``serve``); components (the SMS webhook, the
LAN server, senders) receive it and never build their own engine, writer or sync server. What
only runs while serving (listeners, the SMS gateway and sender) is not here: it is the
``OrganiserRuntime`` that ``server/headless.py`` builds from these services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import select

from expresso_desktop.core.menu import Menu, load_default_menu
from expresso_desktop.core.templates import TemplateSet, load_default_templates
from expresso_desktop.services.changes import ChangeBus, emit
from expresso_desktop.services.menu_admin import LiveMenu
from expresso_desktop.services.sync.server import SyncServer
from expresso_desktop.services.sync.setup import build_sync_server
from expresso_desktop.services.text_settings import LiveTexts
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import open_database, read_session
from expresso_desktop.store.tables import Event

log = logging.getLogger(__name__)

DEFAULT_EVENT_NAME = "My coffee event"


@dataclass
class OrganiserServices:
    """The organiser's services, built once; every field is there from the start."""

    paths: AppPaths
    engine: Engine
    bus: ChangeBus  # committed change sets, published by ``writer``
    writer: Writer  # the single writer: every write to ``engine`` goes through it
    menus: LiveMenu  # the event's menu as edited now (``menu`` reads it)
    templates: TemplateSet  # the bundled templates (the names an override may use)
    event_id: int
    sync: SyncServer  # the stations' sync (the LAN routes and the organiser's own writes)
    texts: LiveTexts  # what customer texts are written with now (templates, timing, branding)

    @property
    def menu(self) -> Menu:
        """The event's menu now: an edit counts from the next request or text."""
        return self.menus.current_menu()

    def close(self) -> None:
        self.menus.close()
        self.texts.close()
        self.writer.close()
        self.engine.dispose()


def build_organiser_services(paths: AppPaths) -> OrganiserServices:
    engine = open_database(paths.master_db, role="master")
    bus = ChangeBus()
    writer = Writer(engine, bus)
    menu = load_default_menu()
    try:
        event_id = _current_event(engine) or writer.run_sync(_create_default_event)
        menus = LiveMenu(engine, bus, event_id=event_id)
        sync = build_sync_server(
            engine, writer, event_id=event_id, menu=menus, data_dir=paths.data_dir
        )
    except BaseException:
        writer.close()
        engine.dispose()
        raise
    templates = load_default_templates()
    return OrganiserServices(
        paths=paths,
        engine=engine,
        bus=bus,
        writer=writer,
        menus=menus,
        templates=templates,
        event_id=event_id,
        sync=sync,
        texts=LiveTexts(engine, bus, event_id=event_id, menu=menu, bundled=templates),
    )


def _current_event(engine: Engine) -> int | None:
    with read_session(engine) as session:
        event = session.exec(
            select(Event).where(Event.deleted == False).order_by(Event.id.desc())  # type: ignore[union-attr]  # noqa: E712
        ).first()
        return event.id if event else None


def _create_default_event(tx: Tx) -> int:
    event = Event(name=DEFAULT_EVENT_NAME)
    tx.session.add(event)
    emit(tx.session, tx.changes, "events", event)
    assert event.id is not None
    log.info("created a new event (id %s)", event.id)
    return event.id
