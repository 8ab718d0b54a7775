"""The Groups screen driven in the real organiser window (demo event, servers running): a group
of three created through the form — one drink picked, two typed in the order language — with a
contact phone, stored as three orders at the chosen station; its progress followed as the drinks
are made through the services; the one pickup text queued to the contact and shown as sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from sqlmodel import select

from expresso_desktop.services import orders
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, GroupOrder, Order, SmsMessage
from expresso_desktop.ui.organiser.groups_screen import GroupsScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

PHONE = "+61400123987"


@pytest.fixture
def organiser(qtbot: Any, qtlog: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "groups") as org:
        screen = org.window.groups_screen
        tester = QAbstractItemModelTester(
            screen.model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        qtbot.waitUntil(lambda: screen.station.count() == 3, timeout=10_000)
        yield org
        assert [r.message for r in qtlog.records if "FAIL!" in r.message] == [] and tester


def shown(screen: GroupsScreen, row: int = 0) -> list[str]:
    return [screen.model.index(row, c).data() for c in range(screen.model.columnCount())]


def add(qtbot: Any, screen: GroupsScreen, name: str, typed: str) -> None:
    qtbot.keyClicks(screen.member_name, name)
    qtbot.keyClicks(screen.typed, typed)
    qtbot.mouseClick(screen.add_member_button, Qt.MouseButton.LeftButton)


def test_a_group_of_three_is_made_and_its_contact_texted_once(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = organiser.window.groups_screen
    qtbot.waitUntil(screen.empty.isVisible)  # its first read (the screen is built on first use)
    assert screen.model.rowCount() == 0
    qtbot.mouseClick(screen.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(screen.organiser, "Priya")
    qtbot.keyClicks(screen.phone, "0400 123 987")
    assert screen.phone_error.isVisible()  # checked as it is typed
    screen.phone.clear()
    qtbot.keyClicks(screen.phone, "+61 400 123 987")
    assert not screen.phone_error.isVisible()
    screen.station.setCurrentIndex(screen.station.findText("Station 1"))

    qtbot.keyClicks(screen.member_name, "Ana")  # picked from the menu
    screen.drink_pick.setCurrentIndex(screen.drink_pick.findData("cappuccino"))
    screen.size_pick.setCurrentIndex(screen.size_pick.findData("small"))
    qtbot.mouseClick(screen.add_member_button, Qt.MouseButton.LeftButton)
    add(qtbot, screen, "Ben", "large oat flat white")  # typed in the order language
    add(qtbot, screen, "Cat", "latte and a mocha")
    assert screen.member_error.text() == "✕ One drink per person — add the others one by one"
    screen.typed.clear()
    qtbot.keyClicks(screen.typed, "soy latte")
    qtbot.mouseClick(screen.add_member_button, Qt.MouseButton.LeftButton)
    assert [screen.member_list.item(i).text() for i in range(3)] == [
        "Ana — small full cream cappuccino",
        "Ben — large oat flat white",
        "Cat — medium soy latte",
    ]
    save_screenshot(organiser.window, "organiser-groups-new", tmp_path)
    qtbot.mouseClick(screen.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: screen.member_model.rowCount() == 3, timeout=10_000)

    with read_session(organiser.services.engine) as session:
        group = session.exec(select(GroupOrder)).one()
        members = session.exec(select(Order).where(Order.group_id == group.id)).all()
        contact = session.get(Customer, group.customer_id)
        assert contact is not None and contact.phone == PHONE
    assert sorted(o.customer_name or "" for o in members) == ["Ana", "Ben", "Cat"]
    assert {o.station_id for o in members} == {screen.station.currentData()}
    assert shown(screen) == [
        "Priya",
        "+61 ••• ••• 987",
        "Station 1",
        "0 of 3 ready",
        "",
        "— Not yet",
    ]
    assert [screen.member_model.row_at(i).status for i in range(3)] == ["New"] * 3

    for order in members:
        organiser.services.writer.run_sync(lambda tx, o=order.id: orders.mark_ready(tx, o))
    qtbot.waitUntil(lambda: shown(screen)[5] == "✓ Sent", timeout=10_000)
    assert shown(screen)[3] == "3 of 3 ready ✓"
    qtbot.waitUntil(lambda: "✓ Pickup text sent" in screen.detail_info.text(), timeout=10_000)
    assert [screen.member_model.row_at(i).status for i in range(3)] == ["Ready"] * 3
    with read_session(organiser.services.engine) as session:
        texts = session.exec(select(SmsMessage).where(SmsMessage.to_number == PHONE)).all()
    pickup = [t for t in texts if t.kind == "ready"]
    assert len(pickup) == 1 and "Ana" in pickup[0].body and "Ben" in pickup[0].body
    save_screenshot(organiser.window, "organiser-groups", tmp_path)


def test_a_bad_contact_phone_or_no_members_is_refused_in_place(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = organiser.window.groups_screen
    qtbot.mouseClick(screen.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(screen.phone, "12345")
    qtbot.mouseClick(screen.create_button, Qt.MouseButton.LeftButton)
    assert screen.organiser_error.text() == "✕ Who is ordering? Type their name."
    assert screen.members_error.text() == "✕ Add at least one person's drink."
    assert screen.phone_error.text().startswith("✕ A phone number in international form")
    qtbot.waitUntil(organiser.idle)
    with read_session(organiser.services.engine) as session:
        assert session.exec(select(GroupOrder)).all() == []
