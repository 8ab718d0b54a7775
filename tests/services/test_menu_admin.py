"""Editing the event's menu (services/menu_admin.py) on a real store: the checks, what is stored
and emitted, and the live view the SMS conversation reads — a synonym added counts from the very
next text, without a restart."""

from __future__ import annotations

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu, load_default_menu
from expresso_desktop.services import menu_admin
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.menu_admin import NewEntry
from expresso_desktop.services.orders import cancel_order
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order
from tests.services.helpers import logged, write

PHONE = "+61400000077"


def stored(services: OrganiserServices) -> Menu:
    with read_session(services.engine) as session:
        return menu_admin.read_menu(session, services.event_id)


def cancel(tx: Tx, order_id: str) -> None:
    cancel_order(tx, order_id, reason="test")


def refused(services: OrganiserServices, fn: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        write(services, fn)  # type: ignore[arg-type]
    return caught.value


def test_without_a_stored_menu_the_event_serves_the_default(
    organiser: OrganiserServices,
) -> None:
    assert stored(organiser).to_dict() == load_default_menu().to_dict()
    assert organiser.menu is organiser.menus.current_menu()  # read once, then kept


def test_a_synonym_is_stored_emitted_and_read_by_the_next_text(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    conversation = Conversation(
        event_id=organiser.event_id, menu=organiser.menus, templates=organiser.texts
    )
    before = write(organiser, lambda tx: conversation.handle(tx, PHONE, "large magic for Sam"))
    assert before.order is None

    flat_white = organiser.menu.drink("flat white")
    write(
        organiser,
        lambda tx: menu_admin.set_synonyms(
            tx, organiser.event_id, "drink", "Flat White", [*flat_white.synonyms, " Magic "]
        ),
    )
    assert "magic" in stored(organiser).drink("flat white").synonyms
    assert organiser.menu.drink("flat white").synonyms[-1] == "magic"  # the live view follows
    changes = [c for c in heard[-1].changes if c.entity == "menu_configs"]
    assert [c.entity_id for c in changes] == [str(organiser.event_id)]
    assert [row.op for row in logged(organiser, "menu_configs")] == ["upsert"]

    after = write(organiser, lambda tx: conversation.handle(tx, PHONE, "large magic for Sam"))
    assert after.order is not None and after.reply is not None
    assert "large flat white" in after.reply


def test_a_word_already_on_the_menu_or_of_the_order_language_is_refused(
    organiser: OrganiserServices,
) -> None:
    event = organiser.event_id
    taken = refused(
        organiser, lambda tx: menu_admin.set_synonyms(tx, event, "drink", "latte", ["flattie"])
    )
    assert (taken.field, taken.reason) == (
        "synonyms",
        "'flattie' is already on the menu (drink flat white)",
    )
    for word in ("two", "yes", "station", "large"):
        error = refused(
            organiser, lambda tx, w=word: menu_admin.set_synonyms(tx, event, "drink", "latte", [w])
        )
        assert error.field == "synonyms" and repr(word) in error.reason
    status = refused(
        organiser, lambda tx: menu_admin.add_entry(tx, event, NewEntry("drink", "status"))
    )
    assert status.field == "name" and "reads as a status text" in status.reason
    badly = refused(organiser, lambda tx: menu_admin.add_entry(tx, event, NewEntry("drink", "<b>")))
    assert badly.field == "name" and "a name is 2-30 letters" in badly.reason
    assert logged(organiser, "menu_configs") == []  # nothing of it stored


def test_a_new_drink_and_milk_are_read_and_can_be_taken_off_again(
    organiser: OrganiserServices,
) -> None:
    event = organiser.event_id
    write(
        organiser,
        lambda tx: menu_admin.add_entry(
            tx, event, NewEntry("drink", "Cold Brew", ("nitro",), black=True, shots=2)
        ),
    )
    write(
        organiser,
        lambda tx: menu_admin.add_entry(tx, event, NewEntry("milk", "pea", colour="#9ACD32")),
    )
    menu = organiser.menu
    assert menu.drink("cold brew").black and menu.default_milk_for("cold brew") == "none"
    assert menu.milk("pea").colour == "#9acd32"
    reading = write(organiser, lambda tx: organiser.sync.menu)  # the stations' path reads it too
    assert "cold brew" in reading.drink_names

    write(organiser, lambda tx: menu_admin.remove_entry(tx, event, "drink", "cold brew"))
    write(organiser, lambda tx: menu_admin.remove_entry(tx, event, "milk", "pea"))
    assert "cold brew" not in organiser.menu.drink_names
    assert "pea" not in organiser.menu.milk_names
    # an order that had it still reads as words (its summary no longer needs the recipe)
    assert DrinkSpec("cold brew", "large", "full cream").summary(organiser.menu) == (
        "large cold brew"
    )


def test_what_an_open_order_has_the_default_milk_and_the_last_drink_stay(
    organiser: OrganiserServices,
) -> None:
    event = organiser.event_id
    conversation = Conversation(event_id=event, menu=organiser.menus, templates=organiser.texts)
    placed = write(organiser, lambda tx: conversation.handle(tx, PHONE, "mocha for Ann"))
    assert placed.order is not None
    open_order = refused(organiser, lambda tx: menu_admin.remove_entry(tx, event, "drink", "mocha"))
    assert open_order.reason.startswith(f"mocha is in open orders (#{placed.order.number})")
    default = refused(
        organiser, lambda tx: menu_admin.remove_entry(tx, event, "milk", "full cream")
    )
    assert "the default milk" in default.reason

    for drink in organiser.menu.drink_names:
        if drink not in ("latte", "mocha"):
            write(organiser, lambda tx, d=drink: menu_admin.remove_entry(tx, event, "drink", d))
    write(organiser, lambda tx: placed.order and cancel(tx, placed.order.id))
    write(organiser, lambda tx: menu_admin.remove_entry(tx, event, "drink", "mocha"))
    assert organiser.menu.drink_names == ("latte",)
    last = refused(organiser, lambda tx: menu_admin.remove_entry(tx, event, "drink", "latte"))
    assert last.reason == "a menu needs at least one drink"


def test_the_live_view_reads_the_row_once_per_change(organiser: OrganiserServices) -> None:
    first = organiser.menus.current_menu()
    assert organiser.menus.current_menu() is first
    write(
        organiser,
        lambda tx: menu_admin.set_synonyms(tx, organiser.event_id, "milk", "oat", ["oaty"]),
    )
    second = organiser.menus.current_menu()
    assert second is not first and second.milk("oat").synonyms == ("oaty",)
    assert organiser.menus.current_menu() is second
    with read_session(organiser.engine) as session:
        assert session.exec(select(Order)).all() == []  # nothing else was written
