"""A group order placed with a contact phone: the number checked (E.164), linked to its customer
(``customers.get_or_create``), then ``order_actions.create_group``. One function for every way
in — the LAN API (``server/api_groups.py``) and the organiser's Groups screen — so the contact
that gets the one pickup text is found the same way whichever path made the group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from expresso_desktop.core.actors import ORGANISER, Actor
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.privacy import normalise_e164
from expresso_desktop.core.text import check_name
from expresso_desktop.services import order_actions
from expresso_desktop.services.order_actions import GroupMemberIn
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import customers
from expresso_desktop.store.tables import GroupOrder, Order
from expresso_desktop.store.types import utcnow

PHONE_HINT = "a phone number in international form, e.g. +61400123456"
NAME_MAX = 60  # the LAN API's limit on a person's name (server/api_groups.py)


def contact_number(text: str | None) -> str | None:
    """The contact phone in E.164, or None when none was given; a number that is not one is a
    ``ValidationError`` on ``contact_phone``. Pure: a form may call it as the user types."""
    if text is None or not text.strip():
        return None
    phone = normalise_e164(text)
    if phone is None:
        raise ValidationError(PHONE_HINT, field="contact_phone")
    return phone


def person_name(text: str, field: str) -> str:
    """A name on a cup or the group's: trimmed, 1-60 characters, no control characters."""
    name = " ".join(text.split())
    if not name:
        raise ValidationError("a name is needed", field=field)
    if len(name) > NAME_MAX:
        raise ValidationError(f"a name is at most {NAME_MAX} characters", field=field)
    try:
        return check_name(name)
    except ValueError as exc:
        raise ValidationError(f"the name {exc}", field=field) from None


@dataclass(frozen=True)
class GroupDraft:
    organiser_name: str
    station_id: int
    members: Sequence[GroupMemberIn]
    contact_phone: str | None = None  # as typed; texted once when every drink is ready


def place_group(
    tx: Tx, draft: GroupDraft, *, event_id: int, menu: Menu, actor: Actor = ORGANISER
) -> tuple[GroupOrder, list[Order]]:
    """The group and one order per member at ``draft.station_id``, its contact linked."""
    organiser = person_name(draft.organiser_name, "organiser_name")
    members = [
        GroupMemberIn(person_name(m.name, f"members[{i}].name"), m.item)
        for i, m in enumerate(draft.members)
    ]
    phone = contact_number(draft.contact_phone)
    contact = customers.get_or_create(tx.session, phone, utcnow()) if phone else None
    return order_actions.create_group(
        tx,
        event_id=event_id,
        menu=menu,
        organiser_name=organiser,
        station_id=draft.station_id,
        members=members,
        customer_id=contact.id if contact is not None else None,
        actor=actor,
    )
