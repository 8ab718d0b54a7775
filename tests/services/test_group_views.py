"""The Groups screen's reads on a real master database: a group placed through
``sms.group_orders.place_group`` read back by its own id and by a member order's id, its contact
masked, and a drink typed in the order language."""

from __future__ import annotations

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import orders
from expresso_desktop.services.group_views import GroupReads, drink_from_text
from expresso_desktop.services.order_actions import GroupMemberIn
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.group_orders import GroupDraft, place_group
from tests.services.helpers import station_id, write


def test_a_group_is_read_by_its_id_or_a_member_order(organiser: OrganiserServices) -> None:
    reads = GroupReads(organiser.engine, organiser.event_id, organiser.menus)
    draft = GroupDraft(
        "Priya",
        station_id(organiser, 1),
        [GroupMemberIn("Ana", {"drink": "latte"}), GroupMemberIn("Ben", {"drink": "mocha"})],
        contact_phone="+61 400 123 987",
    )
    group, made = write(
        organiser,
        lambda tx: place_group(tx, draft, event_id=organiser.event_id, menu=organiser.menu),
    )
    (row,) = reads.rows()
    assert (row.id, row.contact, row.station, row.progress_text) == (
        group.id,
        "+61 ••• ••• 987",
        "Station 1",
        "0 of 2 ready",
    )
    write(organiser, lambda tx: orders.cancel_order(tx, made[1].id, "out of chocolate"))
    (row,) = reads.rows([made[1].id])
    assert row.progress_text == "0 of 1 ready (1 cancelled)" and not row.complete
    detail = reads.detail(group.id)
    assert detail is not None
    assert [(m.name, m.drink, m.status) for m in detail.members] == [
        ("Ana", "latte", "New"),
        ("Ben", "mocha", "Cancelled"),
    ]
    assert reads.rows(["no-such-id"]) == []


def test_a_bad_contact_phone_places_nothing(organiser: OrganiserServices) -> None:
    draft = GroupDraft(
        "Priya", station_id(organiser, 1), [GroupMemberIn("Ana", {"drink": "latte"})], "0400"
    )
    with pytest.raises(ValidationError) as refused:
        write(
            organiser,
            lambda tx: place_group(tx, draft, event_id=organiser.event_id, menu=organiser.menu),
        )
    assert refused.value.field == "contact_phone"
    assert GroupReads(organiser.engine, organiser.event_id, organiser.menus).rows() == []


def test_a_typed_drink_is_one_drink_of_the_menu(organiser: OrganiserServices) -> None:
    menu = organiser.menu
    assert drink_from_text("large oat flat white", menu)["milk"] == "oat"
    for text, reason in (("2 lattes", "one drink per person"), ("hello", "no drink found")):
        with pytest.raises(ValidationError, match=reason):
            drink_from_text(text, menu)
