"""The event's menu as the organiser edits it (drinks and milks added or taken off, their
synonyms), and ``LiveMenu``, the view every reader of the menu follows.

The menu is one ``menu_configs`` row per event holding ``Menu.to_dict()``; without one the
event serves the bundled default menu. Every edit runs in the single writer and goes through
``emit``: stations receive the row by sync, and ``LiveMenu`` drops its copy when the bus
announces it, so the very next text is read with the new menu.

The checks, the one place whichever screen asks: a name or synonym is 2-30 letters, digits,
spaces, ``'``, ``&`` or ``-``; it is not already a word of the menu (the order language could
not tell which entry is meant); and the parser built with the new menu reads it as the entry it
belongs to — so a word of the order language itself ("status", "yes", "two", "large") is
refused with what it would be read as instead. That check builds a parser (~0.1 s of the
writer's time, once per edit). A drink or milk still in an open order cannot be taken off
(moving or remaking it needs its recipe); the last drink, the default milk and "none" neither.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import NO_MILK, Menu, MenuError, load_default_menu
from expresso_desktop.core.orders import OPEN_STATUSES
from expresso_desktop.core.sms import words as W
from expresso_desktop.core.sms.parser import SmsParser
from expresso_desktop.core.stock import event_menu
from expresso_desktop.services.changes import ChangeBus, ChangeSet, emit
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import MenuConfig, Order, OrderItem
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

ENTITY = "menu_configs"
Kind = Literal["drink", "milk"]
KINDS: tuple[Kind, ...] = ("drink", "milk")
MAX_PHRASE_CHARS = 30
MAX_SYNONYMS = 40
MAX_ENTRIES = {"drink": 60, "milk": 20}
MAX_SHOTS = 4
_PHRASE = re.compile(r"^[^\W_](?:[^\W_]|[ '’&-])*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LIST = {"drink": "drinks", "milk": "milks"}
# The order language's own words: a menu phrase would win over them ("two" as a drink would
# make "two lattes" a mystery), and the parser check below cannot see that loss.
_RESERVED = frozenset(
    {*W.NUMBER_WORDS, *W.QUANTITY_PHRASES, *W.GLUE_PHRASES, *W.SUGAR_FREE_PHRASES}
    | W.OPT_OUT
    | W.OPT_IN
    | W.HELP_WORDS
    | W.STATION_WORDS
    | W.STATION_NUMBER_FILLERS
    | W.STATION_LEADERS
)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A drink or milk to add. ``black``: a drink served without milk unless asked (a long
    black); ``shots``: its espresso shots (0 for tea, chocolate); ``colour``: a milk's card
    colour (the Milks settings may change it later)."""

    kind: Kind
    name: str
    synonyms: tuple[str, ...] = ()
    black: bool = False
    shots: float = 1
    colour: str = "#ffffff"


def read_menu(session: Session, event_id: int) -> Menu:
    """The event's menu as stored now (the bundled default when it has none). The same stored
    text gives the same ``Menu`` object (``core.stock.event_menu`` keeps a few)."""
    stored = session.get(MenuConfig, event_id)
    if stored is None or stored.deleted:
        return event_menu(None)
    try:
        return event_menu(stored.menu_json)
    except MenuError:
        log.error("the stored menu of event %s is unreadable; serving the default", event_id)
        return load_default_menu()


# -- edits (writer-only) ---------------------------------------------------------------------


def add_entry(tx: Tx, event_id: int, entry: NewEntry) -> Menu:
    menu = read_menu(tx.session, event_id)
    kind = _kind(entry.kind)
    name = _phrase(entry.name, field="name")
    entries = _entries(menu, kind)
    if len(entries) >= MAX_ENTRIES[kind]:
        raise ValidationError(
            f"a menu holds at most {MAX_ENTRIES[kind]} {_LIST[kind]}", field="name"
        )
    synonyms = _synonyms(entry.synonyms)
    taken = _words_of(menu)
    for word, field in ((name, "name"), *((s, "synonyms") for s in synonyms)):
        if word in taken:
            raise ValidationError(f"{word!r} is already on the menu ({taken[word]})", field=field)
    _check_unique(name, synonyms)
    data = menu.to_dict()
    data[_LIST[kind]].append(_new_entry(kind, name, synonyms, entry))
    return _save(tx, event_id, _built(data), kind, name, (name, *synonyms))


def remove_entry(tx: Tx, event_id: int, kind: Kind, name: str) -> Menu:
    menu = read_menu(tx.session, event_id)
    kind = _kind(kind)
    entry = _entry(menu, kind, name)
    if kind == "drink" and len(menu.drinks) == 1:
        raise ValidationError("a menu needs at least one drink", field="name")
    if kind == "milk" and entry.name in (menu.default_milk, NO_MILK):
        why = "the default milk" if entry.name == menu.default_milk else "how a black drink is"
        raise ValidationError(f"{entry.name} cannot be taken off: it is {why}", field="name")
    _check_not_in_open_orders(tx.session, event_id, kind, entry.name)
    data = menu.to_dict()
    data[_LIST[kind]] = [e for e in data[_LIST[kind]] if e["name"] != entry.name]
    return _save(tx, event_id, _built(data), kind, entry.name, ())


def set_synonyms(tx: Tx, event_id: int, kind: Kind, name: str, synonyms: Sequence[str]) -> Menu:
    """The entry's synonyms become exactly ``synonyms`` (the new ones checked)."""
    menu = read_menu(tx.session, event_id)
    kind = _kind(kind)
    entry = _entry(menu, kind, name)
    wanted = _synonyms(synonyms)
    taken = _words_of(menu)
    for word in wanted:
        owner = taken.get(word)
        if owner is not None and owner != f"{kind} {entry.name}":
            raise ValidationError(f"{word!r} is already on the menu ({owner})", field="synonyms")
        if word == entry.name:
            raise ValidationError(f"{word!r} is the {kind}'s own name", field="synonyms")
    data = menu.to_dict()
    for raw in data[_LIST[kind]]:
        if raw["name"] == entry.name:
            raw["synonyms"] = list(wanted)
    added = tuple(w for w in wanted if w not in entry.synonyms)
    return _save(tx, event_id, _built(data), kind, entry.name, added)


# -- checks ----------------------------------------------------------------------------------


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValidationError("the menu's entries here are drinks and milks", field="kind")
    return kind


def _phrase(raw: Any, *, field: str) -> str:
    if not isinstance(raw, str):
        raise ValidationError(f"{field} must be text", field=field)
    phrase = " ".join(raw.lower().split())
    if not 2 <= len(phrase) <= MAX_PHRASE_CHARS or not _PHRASE.match(phrase):
        raise ValidationError(
            f"{raw.strip()!r}: a name is 2-{MAX_PHRASE_CHARS} letters, digits, spaces, "
            "' & or -, starting with a letter or digit",
            field=field,
        )
    if phrase in _RESERVED:
        raise ValidationError(
            f"{phrase!r} is a word customers' texts already use for something else", field=field
        )
    return phrase


def _synonyms(raw: Iterable[Any]) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(_phrase(s, field="synonyms") for s in raw))
    if len(words) > MAX_SYNONYMS:
        raise ValidationError(f"at most {MAX_SYNONYMS} synonyms", field="synonyms")
    return words


def _check_unique(name: str, synonyms: tuple[str, ...]) -> None:
    if name in synonyms:
        raise ValidationError(f"{name!r} is the name itself, not a synonym", field="synonyms")


def _entries(menu: Menu, kind: Kind) -> tuple[Any, ...]:
    return menu.drinks if kind == "drink" else menu.milks


def _entry(menu: Menu, kind: Kind, name: Any) -> Any:
    key = " ".join(str(name).lower().split())
    for entry in _entries(menu, kind):
        if entry.name == key:
            return entry
    raise ValidationError(f"there is no {kind} {key!r} on the menu", field="name")


def _words_of(menu: Menu) -> dict[str, str]:
    """Every name and synonym on the menu, with what it belongs to ("drink latte")."""
    words: dict[str, str] = {}
    for kind, entries in (
        ("size", menu.sizes),
        ("extra", menu.extras),
        ("milk", menu.milks),
        ("drink", menu.drinks),
    ):
        for entry in entries:
            for word in (entry.name, *entry.synonyms):
                words[word] = f"{kind} {entry.name}"
    return words


def _new_entry(kind: Kind, name: str, synonyms: tuple[str, ...], entry: NewEntry) -> dict[str, Any]:
    if kind == "milk":
        if not _COLOUR.match(entry.colour):
            raise ValidationError("a colour is #RRGGBB, e.g. #c8a165", field="colour")
        return {"name": name, "colour": entry.colour.lower(), "synonyms": list(synonyms)}
    shots = entry.shots
    if isinstance(shots, bool) or not isinstance(shots, int | float) or not 0 <= shots <= MAX_SHOTS:
        raise ValidationError(f"shots must be from 0 to {MAX_SHOTS}", field="shots")
    return {
        "name": name,
        "shots": float(shots),
        "milk_ratio": 0.0 if entry.black else 0.8,
        "black": bool(entry.black),
        "ingredients": {},
        "synonyms": list(synonyms),
    }


def _built(data: dict[str, Any]) -> Menu:
    try:
        return Menu.from_dict(data)
    except MenuError as exc:
        raise ValidationError(str(exc), field="name") from None


def _check_read_as(menu: Menu, kind: Kind, name: str, words: Sequence[str]) -> None:
    """Each of ``words``, texted alone (a milk: in a drink), is read as ``name``."""
    if not words:
        return
    parser = SmsParser(menu)
    base = next((d.name for d in menu.drinks if not d.black), menu.drinks[0].name)
    for word in words:
        result = parser.parse(word if kind == "drink" else f"{word} {base}")
        items = result.items
        got = (items[0].drink if kind == "drink" else items[0].milk) if items else None
        if got != name:
            seen = f"{kind} {got}" if got else f"a {result.intent} text"
            field = "name" if word == name else "synonyms"
            raise ValidationError(
                f"{word!r} would not be read as {name}: texted, it reads as {seen}", field=field
            )


def _check_not_in_open_orders(session: Session, event_id: int, kind: Kind, name: str) -> None:
    column = OrderItem.drink if kind == "drink" else OrderItem.milk
    numbers = session.exec(
        select(Order.number)
        .join(OrderItem, col(OrderItem.order_id) == col(Order.id))
        .where(
            Order.event_id == event_id,
            col(Order.status).in_([s.value for s in OPEN_STATUSES]),
            Order.deleted == False,  # noqa: E712
            OrderItem.deleted == False,  # noqa: E712
            column == name,
        )
        .distinct()
        .limit(4)
    ).all()
    if numbers:
        shown = ", ".join(f"#{n}" for n in numbers[:3]) + (" and more" if len(numbers) > 3 else "")
        raise ValidationError(
            f"{name} is in open orders ({shown}); take it off once they are collected or cancelled",
            field="name",
        )


def _save(tx: Tx, event_id: int, menu: Menu, kind: Kind, name: str, words: Sequence[str]) -> Menu:
    _check_read_as(menu, kind, name, words)
    row = tx.session.get(MenuConfig, event_id)
    if row is None:
        row = MenuConfig(event_id=event_id, menu_json={})
    row.menu_json = menu.to_dict()
    row.updated_at = utcnow()
    row.deleted = False
    tx.session.add(row)
    emit(tx.session, tx.changes, ENTITY, row, entity_id=str(event_id))
    return menu


# -- the live view ---------------------------------------------------------------------------


class LiveMenu:
    """The event's menu as it is now, for any thread (a ``core.menu.MenuSource``).

    ``current_menu()`` is an attribute read until the change bus announces a change to the
    event's ``menu_configs`` row, whoever made it (this window, the LAN API, a restore); the
    next call then reads the row once. The bus publishes after the commit and before the
    writer's next unit of work, so the text after an edit is read with the new menu."""

    def __init__(self, engine: Engine, bus: ChangeBus | None, *, event_id: int) -> None:
        self._engine = engine
        self._event_id = event_id
        self._key = str(event_id)
        self._lock = threading.Lock()
        self._menu: Menu | None = None
        self._generation = 0
        self._unsubscribe = bus.subscribe(self._on_changes) if bus is not None else None

    def current_menu(self) -> Menu:
        menu = self._menu
        return menu if menu is not None else self._reload()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _reload(self) -> Menu:
        with self._lock:
            generation = self._generation
        with read_session(self._engine) as session:
            menu = read_menu(session, self._event_id)
        with self._lock:
            if generation == self._generation:  # no edit committed while we read
                self._menu = menu
        return menu

    def _on_changes(self, changeset: ChangeSet) -> None:
        if any(c.entity == ENTITY and c.entity_id == self._key for c in changeset.changes):
            with self._lock:
                self._generation += 1
                self._menu = None
