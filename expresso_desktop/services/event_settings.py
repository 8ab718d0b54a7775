"""The event's settings, declared once with their defaults; and station chat.

Settings are stored per key in ``settings`` (JSON) only when they differ from the default, and
every write goes through ``emit`` so stations hear about it. Types are checked by the API's
models; the rules that need the menu or the templates are checked here.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.templates import TemplateSet, validate_template
from expresso_desktop.services.changes import emit
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import ChatMessage


def defaults(menu: Menu) -> dict[str, Any]:
    return {
        "milk_colours": {m.name: m.colour for m in menu.milks if m.name != "none"},
        "templates": {},  # overrides of the bundled templates, by name
        "sponsor_line": "",
        "vip_codes": [],
        "reminder_minutes": 10,
        "station_settings": {},  # by station id: {"sound": true, ...}
    }


def current(session: Session, menu: Menu) -> dict[str, Any]:
    stored = settings_repo.get_all(session=session)
    base = defaults(menu)
    return {key: stored.get(key, value) for key, value in base.items()}


def check(key: str, value: Any, menu: Menu, templates: TemplateSet) -> Any:
    if key == "milk_colours":
        for milk in value:
            if milk not in menu.milk_names:
                raise ValidationError(f"{milk!r} is not a milk on the menu", field="milk_colours")
        return {**defaults(menu)["milk_colours"], **value}
    if key == "templates":
        for name, text in value.items():
            if name not in templates.templates:
                raise ValidationError(f"there is no template named {name!r}", field="templates")
            try:
                validate_template(text)
            except ValidationError as exc:
                raise ValidationError(f"{name}: {exc.reason}", field=f"templates.{name}") from None
        return value
    if key == "vip_codes":
        return sorted({code.upper() for code in value})
    return value


def update(tx: Tx, changes: dict[str, Any], menu: Menu, templates: TemplateSet) -> None:
    checked = {key: check(key, value, menu, templates) for key, value in changes.items()}
    base = defaults(menu)
    for key, value in checked.items():
        if value == base[key]:
            row = settings_repo.delete(key, session=tx.session)
        else:
            row = settings_repo.put(key, value, session=tx.session)
        if row is not None:
            emit(tx.session, tx.changes, "settings", row, entity_id=key)


def post_chat(tx: Tx, message: ChatMessage) -> ChatMessage:
    """Append-only: re-sending the same id returns the stored message unchanged."""
    existing = tx.session.get(ChatMessage, message.id)
    if existing is not None:
        return existing
    tx.session.add(message)
    emit(tx.session, tx.changes, "chat_messages", message)
    return message
