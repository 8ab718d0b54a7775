"""The organiser's Staff screen: everyone who works the event as a table (name, role, skills,
active, whether they have a PIN, what they made) and a form to add or change a person, set or
reset their station PIN (typed masked, checked as it is typed, hashed by the service, never
shown again) and deactivate or reactivate them.

A person's row re-reads when a commit touches them (this window, the LAN API, anywhere); what
people made changes with orders, so the figures re-read a moment after orders commit (one read
for a burst), only while the screen is shown.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.staff import PIN_MAX
from expresso_desktop.services import staff_views
from expresso_desktop.services.staff_views import ROLES, StaffDraft, StaffReads, StaffRow
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.cells_model import CellsTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import (
    ERROR_STYLE,
    OK_STYLE,
    ask,
    read_only_table,
    select_row,
)
from expresso_desktop.ui.organiser.form_parts import (
    add_field,
    error_label,
    list_beside,
    screen_layout,
)

INITIATOR = "ui:staff"
FORM_WIDTH = 400
STATS_DELAY_MS = 1500  # orders come in bursts: one stats read per burst
EMPTY_TEXT = "No staff yet — fill in the form on the right to add the first person."


def make_time(seconds: float | None) -> str:
    """ "2 min 05 s", "45 s", or "—" before anything was made."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02} s" if whole >= 60 else f"{whole} s"


class StaffTableModel(CellsTableModel[StaffRow]):
    HEADERS = ("Name", "Role", "Skills", "Status", "PIN", "Made", "Median")

    def cells(self, row: StaffRow) -> tuple[Any, ...]:
        return (
            row.name,
            row.role.capitalize(),
            ", ".join(row.skills) or "—",
            "● Active" if row.active else "○ Inactive",
            "✓ PIN set" if row.has_pin else "— no PIN",
            str(row.drinks_made),
            make_time(row.median_make_s),
        )

    def cell(self, row: StaffRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 5:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return f"{row.orders_made} orders, {row.drinks_made} drinks"
        return super().cell(row, column, role)


class StaffScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: StaffReads,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer = ops, writer
        self.editing: int | None = None  # the person the form edits (None: someone new)
        self.confirm_box: QMessageBox | None = None
        self._saving = False
        self._stats_stale = False

        self.model = StaffTableModel(self)
        self.table = read_only_table(self.model, self._on_pick)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.empty = plain_label(EMPTY_TEXT, object_name="subtitle")
        self.empty.setVisible(False)  # until the first read says so
        self.add_button = QPushButton("Add person")

        layout = screen_layout(
            self,
            "Staff",
            "Who works the event: their role, skills, the PIN they log in with at a station, "
            "and what they have made. Select someone to change them.",
            self.add_button,
        )
        layout.addLayout(list_beside(self.table, self.empty, self._form(), FORM_WIDTH), 1)

        self._stats_timer = QTimer(self)
        self._stats_timer.setSingleShot(True)
        self._stats_timer.setInterval(STATS_DELAY_MS)
        self._stats_timer.timeout.connect(lambda: self.reads.want(None))

        self.add_button.clicked.connect(lambda: self.new_person())
        self.reads: SerialRead[int, list[StaffRow]] = SerialRead(
            ops, reads.rows, self._apply, label="Reading staff"
        )
        bridge.committed.connect(self._on_committed)
        self.reads.want(None)
        self.new_person()

    def _form(self) -> QGroupBox:
        self.name = QLineEdit()
        self.name.setPlaceholderText("First name, as the team knows them")
        self.name.setAccessibleName("Name")
        self.name_error = error_label()
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role.capitalize(), role)
        self.role.setCurrentIndex(self.role.findData("barista"))
        self.skills = QLineEdit()
        self.skills.setPlaceholderText("latte art, trainer (comma-separated)")
        self.skills.setAccessibleName("Skills")
        self.skills_error = error_label()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX)
        self.pin.setAccessibleName("PIN")
        self.pin_state = plain_label("", object_name="subtitle")
        self.pin_error = error_label()
        self.stats = plain_label("", object_name="subtitle")
        self.save_button = QPushButton("Add person")
        self.active_button = QPushButton("Deactivate…")
        self.message = plain_label("")

        form = QFormLayout()
        add_field(form, "Name", self.name, self.name_error)
        add_field(form, "Role", self.role)
        add_field(form, "Skills", self.skills, self.skills_error)
        add_field(form, "Station PIN", self.pin, self.pin_state, self.pin_error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.active_button)
        box = self.form_box = QGroupBox("Add a person")
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.stats)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)

        for edit in (self.name, self.skills, self.pin):
            edit.textChanged.connect(self._validate)
        self.role.currentIndexChanged.connect(self._validate)
        self.save_button.clicked.connect(self.save)
        self.active_button.clicked.connect(self.toggle_active)
        return box

    # -- reading --------------------------------------------------------------------------------
    def _on_committed(self, event: ChangesCommitted) -> None:
        people = event.ids_of("staff_users")
        if people:
            self.reads.want(int(i) for i in people)
        if event.order_ids:  # someone may have made a drink: the figures move
            if self.isVisible():
                self._stats_timer.start()
            else:
                self._stats_stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stats_stale:
            self._stats_stale = False
            self.reads.want(None)

    def _apply(self, ids: frozenset[int] | None, rows: list[StaffRow]) -> None:
        if ids is None:
            self.model.set_rows(rows)
        else:
            fresh = {r.id: r for r in rows}
            current = [self.model.row_at(i) for i in range(self.model.rowCount())]
            kept = [fresh.pop(r.id, r) for r in current if r.id not in ids or r.id in fresh]
            self.model.set_rows(sorted([*kept, *fresh.values()], key=lambda r: r.name.lower()))
        self.empty.setVisible(self.model.rowCount() == 0)
        if self.editing is not None:
            at = self.model.row_of(self.editing)
            if at is None:
                self.message.setText("That person was removed.")
                self.new_person(keep_message=True)
            else:
                self._show_person(self.model.row_at(at))

    # -- the form -------------------------------------------------------------------------------
    def new_person(self, *, keep_message: bool = False) -> None:
        self.editing = None
        select_row(self.table, self.model, None)
        self.name.clear()
        self.skills.clear()
        self.pin.clear()
        self.role.setCurrentIndex(self.role.findData("barista"))
        self.pin.setPlaceholderText("4–8 digits, optional")
        self.pin_state.setText("Needed to log in at a station; it can be set later.")
        self.form_box.setTitle("Add a person")
        self.stats.setText("")
        self.save_button.setText("Add person")
        self.active_button.setVisible(False)
        if not keep_message:
            self.message.setText("")
        self._validate()
        self.name.setFocus()

    def edit_person(self, staff_id: int) -> None:
        at = self.model.row_of(staff_id)
        if at is None:
            return
        row = self.model.row_at(at)
        self.editing = row.id
        self.name.setText(row.name)
        self.skills.setText(", ".join(row.skills))
        self.role.setCurrentIndex(max(0, self.role.findData(row.role)))
        self.pin.clear()
        self.save_button.setText("Save changes")
        self.message.setText("")
        self.message.setStyleSheet("")
        self._show_person(row)
        select_row(self.table, self.model, row.id)

    def _show_person(self, row: StaffRow) -> None:
        """What the form shows about a stored person that the fields don't."""
        self.form_box.setTitle(f"Change {row.name}")
        self.pin_state.setText(
            "✓ Has a PIN — type a new one to reset it" if row.has_pin else "— No PIN yet"
        )
        self.pin.setPlaceholderText("Leave empty to keep it" if row.has_pin else "4–8 digits")
        self.stats.setText(
            f"Made {row.drinks_made} drinks in {row.orders_made} orders · median make "
            f"{make_time(row.median_make_s)}"
            + ("" if row.active else " · ○ Inactive: cannot log in at a station")
        )
        self.active_button.setVisible(True)
        self.active_button.setText("Deactivate…" if row.active else "Reactivate")

    def draft(self) -> StaffDraft:
        skills = tuple(s.strip() for s in self.skills.text().split(",") if s.strip())
        pin = self.pin.text()
        return StaffDraft(
            id=self.editing,
            name=self.name.text(),
            role=str(self.role.currentData()),
            skills=skills,
            pin=pin or None,
        )

    def _validate(self) -> dict[str, str]:
        """The draft's problems shown next to their fields (a pure check, no I/O)."""
        problems = staff_views.draft_problems(self.draft())
        untouched = self.editing is None and not self.name.text()
        for field, label in (
            ("name", self.name_error),
            ("skills", self.skills_error),
            ("pin", self.pin_error),
        ):
            reason = problems.get(field)
            shown = reason is not None and not (field == "name" and untouched)
            label.setText(f"✕ {reason[:1].upper()}{reason[1:]}" if reason else "")
            label.setVisible(shown)
        self.save_button.setEnabled(not problems and not self._saving)
        return problems

    def save(self) -> None:
        problems = self._validate()
        if problems or self._saving:
            if problems:
                self.message.setText("Not saved: " + "; ".join(problems.values()) + ".")
                self.message.setStyleSheet(ERROR_STYLE)
            return
        draft = self.draft()
        self._saving = True
        self.save_button.setEnabled(False)
        self._ops.write(
            self._writer,
            partial(staff_views.save_person, draft=draft),
            initiator=INITIATOR,
            on_done=partial(self._on_saved, draft.id is None),
            on_error=self._on_failed,
            on_finally=self._settled,
            label="Saving a person",
        )

    def _on_saved(self, created: bool, row: StaffRow) -> None:
        self.model.upsert([row])
        self.empty.setVisible(False)
        self.edit_person(row.id)  # the PIN field is cleared: a PIN is never kept on screen
        self.message.setText(f"{'Added' if created else 'Saved'} {row.name}.")
        self.message.setStyleSheet(OK_STYLE)

    def _on_failed(self, failure: OpFailed) -> None:
        self.message.setText(f"Not saved: {failure.message}")
        self.message.setStyleSheet(ERROR_STYLE)

    def _settled(self) -> None:
        self._saving = False
        self._validate()

    def toggle_active(self) -> None:
        at = self.model.row_of(self.editing) if self.editing is not None else None
        if at is None:
            return
        row = self.model.row_at(at)
        if not row.active:
            self._set_active(row.id, True)
            return
        self.confirm_box = ask(
            self,
            "Deactivate",
            f"Deactivate {row.name}? They can no longer log in at a station; their shifts and "
            "what they made stay. You can reactivate them later.",
            partial(self._set_active, row.id, False),
        )

    def _set_active(self, staff_id: int, active: bool) -> None:
        self._ops.write(
            self._writer,
            partial(staff_views.set_active, staff_id=staff_id, active=active),
            initiator=INITIATOR,
            on_done=self._on_active,
            on_error=self._on_failed,
            label="Deactivating" if not active else "Reactivating",
        )

    def _on_active(self, row: StaffRow) -> None:
        self.model.upsert([row])
        self.message.setText(f"{row.name} is {'active' if row.active else 'inactive'} now.")
        self.message.setStyleSheet(OK_STYLE)
        if self.editing == row.id:
            self._show_person(row)

    def _on_pick(self, row: StaffRow) -> None:
        if row.id != self.editing:
            self.edit_person(row.id)
