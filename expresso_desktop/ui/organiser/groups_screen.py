"""The organiser's Groups screen: group orders (one person ordering for a team) as a table —
organiser, contact phone masked, station, "3 of 5 ready" with a bar, whether the one pickup
text went — a selected group's members (name, drink, status word), and a form for a new group:
its organiser, a contact phone, the station, and each member's name and drink, picked from the
menu or typed in the order language ("large oat flat white").

A new group goes through ``sms.group_orders.place_group``, the LAN API's path. Rows re-read when
a commit names a group or one of its orders (this window, the LAN API, a station's tap, the
pickup text being queued); the pickers re-read when the menu or the stations change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.services.group_views import (
    GroupDetail,
    GroupReads,
    GroupRow,
    MemberRow,
    StationChoice,
    drink_from_text,
)
from expresso_desktop.services.order_actions import GroupMemberIn
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.group_orders import GroupDraft, contact_number, place_group
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.cells_model import CellsTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ERROR_STYLE, read_only_table
from expresso_desktop.ui.organiser.form_parts import (
    add_field,
    error_label,
    list_beside,
    screen_layout,
)
from expresso_desktop.ui.organiser.stock_bar import BAR_ROLE, Bar, StockBarDelegate

INITIATOR = "ui:groups"
SIDE_WIDTH = 420
BAR_WIDTH = 80
FIELD_HEIGHT = 44  # touch targets
BAR_COLUMN = 4
EMPTY_TEXT = (
    "No group orders yet — press “New group order” to take one person's order for their team."
)
SENT, NOT_SENT = "✓ Sent", "— Not yet"  # the pickup text


class GroupTableModel(CellsTableModel[GroupRow]):
    HEADERS = ("Organiser", "Contact", "Station", "Ready", "", "Pickup")

    def cells(self, row: GroupRow) -> tuple[Any, ...]:
        return (
            row.organiser_name,
            row.contact or "— none",
            row.station,
            row.progress_text + (" ✓" if row.complete else ""),
            "",
            SENT if row.pickup_notified else NOT_SENT,
        )

    def cell(self, row: GroupRow, column: int, role: int) -> Any:
        if role == BAR_ROLE and column == BAR_COLUMN:
            wanted = row.total - row.cancelled
            return Bar(row.ready / wanted if wanted else 0.0, None, "ok")
        if role == Qt.ItemDataRole.ToolTipRole and column == BAR_COLUMN:
            return row.progress_text
        return super().cell(row, column, role)


class MemberTableModel(CellsTableModel[MemberRow]):
    HEADERS = ("Name", "Drink", "Status", "Order")

    def cells(self, row: MemberRow) -> tuple[Any, ...]:
        return (row.name, row.drink, row.status, row.number)


@dataclass(frozen=True, slots=True)
class _Pickers:
    """What the form's pickers offer, read together."""

    menu: Menu
    stations: list[StationChoice]


def _place(tx: Tx, draft: GroupDraft, *, event_id: int, menu: Menu) -> str:
    group, _ = place_group(tx, draft, event_id=event_id, menu=menu)
    return group.id


class GroupsScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: GroupReads,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer, self._reads = ops, writer, reads
        self._menu: Menu | None = None
        self.members: list[GroupMemberIn] = []
        self.shown_group: str | None = None
        self._saving = False
        self._typed_extras: tuple[str, ...] = ()  # what the typed drink added ("extra shot")

        self.model = GroupTableModel(self)
        self.table = read_only_table(self.model, self._on_pick)
        self.table.setItemDelegateForColumn(BAR_COLUMN, StockBarDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(BAR_COLUMN, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(BAR_COLUMN, BAR_WIDTH)
        self.empty = plain_label(EMPTY_TEXT, object_name="subtitle")
        self.empty.setVisible(False)
        self.new_button = QPushButton("New group order")

        self.side = QStackedWidget()
        self.side.addWidget(self._detail())
        self.side.addWidget(self._form())
        layout = screen_layout(
            self,
            "Groups",
            "One person orders for their team: one drink per person at one station, and "
            "one pickup text to the contact phone when they are all ready.",
            self.new_button,
        )
        layout.addLayout(list_beside(self.table, self.empty, self.side, SIDE_WIDTH), 1)

        self.new_button.clicked.connect(self.new_group)
        self.rows: SerialRead[str, list[GroupRow]] = SerialRead(
            ops, reads.rows, self._apply, label="Reading group orders"
        )
        bridge.committed.connect(self._on_committed)
        self.rows.want(None)
        self._read_pickers()
        self.side.setCurrentIndex(0)

    # -- building -------------------------------------------------------------------------------
    def _detail(self) -> QWidget:
        box = self.detail_box = QGroupBox("A group order")
        self.detail_info = plain_label("Select a group order to see its drinks.")
        self.member_model = MemberTableModel(self)
        self.member_table = read_only_table(self.member_model, lambda _row: None)
        self.member_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.member_table.horizontalHeader().setStretchLastSection(False)
        layout = QVBoxLayout(box)
        layout.addWidget(self.detail_info)
        layout.addWidget(self.member_table, 1)
        return box

    def _form(self) -> QWidget:
        self.organiser = QLineEdit()
        self.organiser.setPlaceholderText("Who is ordering for the team")
        self.organiser.setAccessibleName("Organiser name")
        self.organiser_error = error_label()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("+61400123456 — optional, texted when all are ready")
        self.phone.setAccessibleName("Contact phone")
        self.phone_error = error_label()
        self.station = QComboBox()
        self.station.setAccessibleName("Station")
        self.station_error = error_label()
        self.member_name = QLineEdit()
        self.member_name.setPlaceholderText("Name on the cup")
        self.member_name.setAccessibleName("Member name")
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("Type it: large oat flat white (Enter)")
        self.typed.setAccessibleName("Drink in words")
        self.drink_pick, self.size_pick, self.milk_pick = QComboBox(), QComboBox(), QComboBox()
        for picker, name in (
            (self.drink_pick, "Drink"),
            (self.size_pick, "Size"),
            (self.milk_pick, "Milk"),
        ):
            picker.setAccessibleName(name)
        for picker in (self.station, self.drink_pick, self.size_pick, self.milk_pick):
            picker.setMinimumHeight(FIELD_HEIGHT)
        self.member_error = error_label()
        self.add_member_button = QPushButton("Add to group")
        self.member_list = QListWidget()
        self.member_list.setAccessibleName("Members")
        self.member_list.setMinimumHeight(96)
        self.members_error = error_label()
        self.remove_member_button = QPushButton("Remove selected")
        self.create_button = QPushButton("Create group order")
        self.cancel_button = QPushButton("Cancel")
        self.message = plain_label("")

        form = QFormLayout()
        add_field(form, "Organiser", self.organiser, self.organiser_error)
        add_field(form, "Contact phone", self.phone, self.phone_error)
        add_field(form, "Station", self.station, self.station_error)
        member = QFormLayout()
        member.addRow("Name", self.member_name)
        pickers = QHBoxLayout()
        pickers.addWidget(self.drink_pick, 2)
        pickers.addWidget(self.size_pick, 1)
        pickers.addWidget(self.milk_pick, 1)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_member_button)
        add_field(member, "Drink", self.typed, pickers, self.member_error, add_row)
        member_box = QGroupBox("Add a person")
        member_box.setLayout(member)
        list_row = QHBoxLayout()
        list_row.addWidget(plain_label("Drinks in this group", object_name="subtitle"), 1)
        list_row.addWidget(self.remove_member_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        box = QGroupBox("New group order")
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(member_box)
        layout.addLayout(list_row)
        layout.addWidget(self.member_list, 1)
        layout.addWidget(self.members_error)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.typed.returnPressed.connect(self.parse_typed)
        self.member_name.returnPressed.connect(self.add_member)
        self.add_member_button.clicked.connect(self.add_member)
        self.remove_member_button.clicked.connect(self.remove_member)
        self.create_button.clicked.connect(self.create_group)
        self.cancel_button.clicked.connect(lambda: self.side.setCurrentIndex(0))
        self.drink_pick.currentIndexChanged.connect(self._drink_picked)
        self.phone.textChanged.connect(self._check_phone)
        return box

    # -- reading --------------------------------------------------------------------------------
    def _on_committed(self, event: ChangesCommitted) -> None:
        touched = event.ids_of("group_orders") | event.order_ids
        if touched:
            self.rows.want(touched)
        shown = self.shown_group
        if shown is not None and (shown in touched or event.order_ids & self._member_ids()):
            self._read_detail(shown)
        if event.station_ids or event.touches({"menu_configs"}):
            self._read_pickers()

    def _member_ids(self) -> frozenset[str]:
        rows = range(self.member_model.rowCount())
        return frozenset(self.member_model.row_at(i).id for i in rows)

    def _apply(self, ids: frozenset[str] | None, rows: list[GroupRow]) -> None:
        if ids is None:
            self.model.set_rows(rows)
        else:
            self.model.upsert(rows)
        self.empty.setVisible(self.model.rowCount() == 0)

    def _read_detail(self, group_id: str) -> None:
        self._ops.query(
            partial(self._reads.detail, group_id),
            on_done=self._show_detail,
            label="Reading a group order",
        )

    def _show_detail(self, detail: GroupDetail | None) -> None:
        if detail is None or detail.group.id != self.shown_group:
            return
        group = detail.group
        self.detail_box.setTitle(f"Group for {group.organiser_name}")
        pickup = (
            "✓ Pickup text sent"
            if group.pickup_notified
            else "— Pickup text not sent yet"
            if group.contact
            else "— No contact phone: no pickup text"
        )
        self.detail_info.setText(
            f"{group.progress_text} at {group.station}\n"
            f"Contact: {group.contact or 'none'} · {pickup}"
        )
        self.member_model.set_rows(detail.members)

    def _read_pickers(self) -> None:
        reads = self._reads
        self._ops.query(
            lambda: _Pickers(reads.menu(), reads.stations()),
            on_done=self._fill_pickers,
            label="Reading the menu and stations",
        )

    def _fill_pickers(self, pickers: _Pickers) -> None:
        self._menu = pickers.menu
        station = self.station.currentData()
        self.station.clear()
        for choice in pickers.stations:
            self.station.addItem(choice.label, choice.id)
        self.station.setCurrentIndex(max(0, self.station.findData(station)))
        drink = self.drink_pick.currentData()
        self.drink_pick.clear()
        for name in pickers.menu.drink_names:
            self.drink_pick.addItem(name.capitalize(), name)
        self.size_pick.clear()
        for name in pickers.menu.size_names:
            self.size_pick.addItem(name.capitalize(), name)
        self.milk_pick.clear()
        for name in pickers.menu.milk_names:
            self.milk_pick.addItem(name.capitalize(), name)
        self.size_pick.setCurrentIndex(max(0, self.size_pick.findData(pickers.menu.default_size)))
        self.drink_pick.setCurrentIndex(max(0, self.drink_pick.findData(drink)))
        self._drink_picked()

    def _drink_picked(self) -> None:
        drink = self.drink_pick.currentData()
        if self._menu is not None and drink in self._menu.drink_names:
            self.milk_pick.setCurrentIndex(
                max(0, self.milk_pick.findData(self._menu.default_milk_for(drink)))
            )

    # -- the detail -----------------------------------------------------------------------------
    def _on_pick(self, row: GroupRow) -> None:
        self.show_group(row.id)

    def show_group(self, group_id: str) -> None:
        self.shown_group = group_id
        self.side.setCurrentIndex(0)
        self._read_detail(group_id)

    # -- the form -------------------------------------------------------------------------------
    def new_group(self) -> None:
        self.members = []
        self.member_list.clear()
        for edit in (self.organiser, self.phone, self.member_name, self.typed):
            edit.clear()
        for label in (
            self.organiser_error,
            self.phone_error,
            self.station_error,
            self.member_error,
            self.members_error,
        ):
            label.setVisible(False)
        self.message.setText("")
        self.side.setCurrentIndex(1)
        self.organiser.setFocus()

    def parse_typed(self) -> None:
        """The typed drink read by the order language, shown in the pickers."""
        if self._menu is None or not self.typed.text().strip():
            return
        try:
            item = drink_from_text(self.typed.text(), self._menu)
        except ValidationError as exc:
            self._show(self.member_error, exc.reason)
            return
        self.member_error.setVisible(False)
        self.drink_pick.setCurrentIndex(self.drink_pick.findData(item["drink"]))
        self.size_pick.setCurrentIndex(self.size_pick.findData(item["size"]))
        self.milk_pick.setCurrentIndex(self.milk_pick.findData(item["milk"]))
        self._typed_extras = tuple(item.get("extras", ()))
        self.member_name.setFocus()

    def add_member(self) -> None:
        name = " ".join(self.member_name.text().split())
        if not name:
            self._show(self.member_error, "Type the name on the cup first.")
            return
        if self.typed.text().strip():
            self.parse_typed()
            if self.member_error.isVisible():
                return
        item = {
            "drink": self.drink_pick.currentData(),
            "size": self.size_pick.currentData(),
            "milk": self.milk_pick.currentData(),
        }
        extras = self._typed_extras if self.typed.text().strip() else ()
        if extras:
            item["extras"] = list(extras)
        self.members.append(GroupMemberIn(name, item))
        words = " ".join(
            w
            for w in (
                self.size_pick.currentText(),
                self.milk_pick.currentText(),
                self.drink_pick.currentText(),
            )
        ).lower()
        self.member_list.addItem(f"{name} — {words}" + (f", {', '.join(extras)}" if extras else ""))
        self.member_name.clear()
        self.typed.clear()
        self.member_error.setVisible(False)
        self.members_error.setVisible(False)
        self.member_name.setFocus()

    def remove_member(self) -> None:
        at = self.member_list.currentRow()
        if 0 <= at < len(self.members):
            del self.members[at]
            self.member_list.takeItem(at)

    def _check_phone(self) -> None:
        try:
            contact_number(self.phone.text())
        except ValidationError as exc:
            if len(self.phone.text().strip()) >= 8:
                self._show(self.phone_error, exc.reason)
            return
        self.phone_error.setVisible(False)

    def create_group(self) -> None:
        if self._saving:
            return
        problems = False
        if not self.organiser.text().strip():
            self._show(self.organiser_error, "Who is ordering? Type their name.")
            problems = True
        if self.station.currentData() is None:
            self._show(self.station_error, "Add a station first (Stations screen).")
            problems = True
        if not self.members:
            self._show(self.members_error, "Add at least one person's drink.")
            problems = True
        try:
            contact_number(self.phone.text())
        except ValidationError as exc:
            self._show(self.phone_error, exc.reason)
            problems = True
        if problems or self._menu is None:
            return
        draft = GroupDraft(
            organiser_name=self.organiser.text(),
            station_id=int(self.station.currentData()),
            members=tuple(self.members),
            contact_phone=self.phone.text() or None,
        )
        self._saving = True
        self.create_button.setEnabled(False)
        self._ops.write(
            self._writer,
            partial(_place, draft=draft, event_id=self._reads.event_id, menu=self._menu),
            initiator=INITIATOR,
            on_done=self._on_created,
            on_error=self._on_failed,
            on_finally=self._settled,
            label="Creating a group order",
        )

    def _on_created(self, group_id: str) -> None:
        count = len(self.members)
        self.show_group(group_id)
        self.rows.want([group_id])
        self.detail_info.setText(f"Created: {count} drinks.")
        self.message.setText("")

    def _on_failed(self, failure: OpFailed) -> None:
        field = failure.field or ""
        target = (
            self.organiser_error
            if field == "organiser_name"
            else self.phone_error
            if field == "contact_phone"
            else self.station_error
            if field == "station_id"
            else self.members_error
        )
        self._show(target, failure.message)
        self.message.setText(f"Not created: {failure.message}")
        self.message.setStyleSheet(ERROR_STYLE)

    def _settled(self) -> None:
        self._saving = False
        self.create_button.setEnabled(True)

    @staticmethod
    def _show(label: QLabel, text: str) -> None:
        label.setText(f"✕ {text[:1].upper()}{text[1:]}")
        label.setVisible(True)
