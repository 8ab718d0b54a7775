"""The organiser's Schedule screen: one day of the roster as a timeline per station (and roaming),
the day's shifts as a table, and forms for a shift (person, station, start, end, role, breaks)
and for the day's opening hours.

A shift is checked as it is edited, before it is saved: each change re-asks (debounced, through
the op runner) ``ScheduleReads.check`` — the same rules ``save_shift`` refuses with — and the
draft bar turns red with the reason in words; Save stays off until the check says it fits, and
a save refused anyway (someone else changed the roster meanwhile) shows the service's reason.
The day re-reads whenever a commit touches shifts, breaks, hours, staff, stations or the event,
from this window, the LAN API or a station.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QItemSelection, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import schedule_views
from expresso_desktop.services.schedule_views import (
    ROLES,
    SCHEDULE_ENTITIES,
    BreakBar,
    DayPlan,
    DraftChecked,
    HoursDraft,
    HoursRow,
    ScheduleReads,
    ShiftBar,
    ShiftDraft,
)
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.timeline import (
    DayTimeline,
    DraftBar,
    ShiftPicked,
    SlotPicked,
    shift_text,
)

INITIATOR = "ui:schedule"
CHECK_DELAY_MS = 250  # a check after the user stops changing the form for this long
NO_STATION = 0  # the station combo's data for "roaming" (station ids start at 1)
DEFAULT_START, DEFAULT_LENGTH = time(9), timedelta(hours=4)
DATETIME_FORMAT = "ddd d MMM yyyy  HH:mm"
ERROR_STYLE = "color: #a1261c; font-weight: 600;"
OK_STYLE = "color: #2f5a31; font-weight: 600;"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class ShiftsModel(KeyedTableModel[ShiftBar]):
    HEADERS = ("Person", "Station", "Time", "Breaks", "Check")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4 and row.problems:
            return "\n".join(_capital(p) for p in row.problems)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return row.staff_name if row.role == "barista" else f"{row.staff_name} ({row.role})"
        if column == 1:
            return row.station_label
        if column == 2:
            return f"{row.starts_at:%H:%M}–{row.ends_at:%H:%M}"
        if column == 3:
            return ", ".join(f"{b.starts_at:%H:%M}–{b.ends_at:%H:%M}" for b in row.breaks) or "—"
        return f"! {_capital('; '.join(row.problems))}" if row.problems else "✓ OK"


class HoursModel(KeyedTableModel[HoursRow]):
    HEADERS = ("Applies to", "Opens", "Closes")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == self.ID_ROLE:
            return row.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (row.applies_to, f"{row.opens:%H:%M}", f"{row.closes:%H:%M}")[index.column()]


class ScheduleScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: ScheduleReads,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer, self._reads = ops, writer, reads
        self.plan: DayPlan | None = None
        self.verdict: DraftChecked | None = None  # the last check, for the draft it was asked
        self.editing: int | None = None  # the stored shift the form edits (None: a new one)
        self._breaks: list[BreakBar] = []
        self._filling = False  # the form is being filled by code: no checks yet
        self._saving = False
        self._reload: int | None = None  # a shift just saved: reload the form from the next read
        self.confirm_box: QMessageBox | None = None
        self.day = date.today()  # replaced by the event's today before anything is read

        self.timeline = DayTimeline()
        scroll = QScrollArea()
        scroll.setWidget(self.timeline)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumHeight(260)
        self.legend = plain_label(
            "Pale band: open hours · hatched: closed · dark bar: a shift (break strip at its "
            "foot) · “!” red bar: a problem · click a bar to edit it, an empty place to plan a "
            "shift there",
            object_name="subtitle",
        )

        self.shifts_model = ShiftsModel()
        self.shifts_table = self._table(self.shifts_model)
        header = self.shifts_table.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.empty = plain_label("", object_name="subtitle")

        self.tabs = QTabWidget()
        self.tabs.addTab(self._shift_form(), "Shift")
        self.tabs.addTab(self._hours_form(), "Opening hours")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(plain_label("Shifts on this day", object_name="section"))
        left_layout.addWidget(self.shifts_table, 1)
        left_layout.addWidget(self.empty)
        lower = QSplitter()
        lower.addWidget(left)
        lower.addWidget(self.tabs)
        lower.setStretchFactor(0, 5)
        lower.setStretchFactor(1, 6)
        lower.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(self._header())
        layout.addWidget(scroll)
        layout.addWidget(self.legend)
        layout.addWidget(lower, 1)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_now)
        self._clock = QTimer(self, interval=60_000)  # the "now" line moves on
        self._clock.timeout.connect(self._tick)
        self._clock.start()

        self.timeline.shift_picked.connect(self._on_shift_picked)
        self.timeline.slot_picked.connect(self._on_slot_picked)
        self.shifts_table.selectionModel().selectionChanged.connect(self._on_table_pick)
        self.reads = SerialRead(ops, self._read_plan, self._apply_plan, label="Reading the day")
        bridge.committed.connect(self._on_committed)
        self._set_enabled(False)
        ops.query(reads.today, on_done=self.show_day, label="Reading the event's day")

    # -- building -------------------------------------------------------------------------------
    def _header(self) -> QHBoxLayout:
        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip("The day before")
        self.prev_button.setAccessibleName("Previous day")
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip("The day after")
        self.next_button.setAccessibleName("Next day")
        self.today_button = QPushButton("Today")
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("dddd d MMMM yyyy")
        self.day_edit.setMinimumHeight(44)
        self.zone_label = plain_label("", object_name="subtitle")
        self.prev_button.clicked.connect(lambda: self.show_day(self.day - timedelta(days=1)))
        self.next_button.clicked.connect(lambda: self.show_day(self.day + timedelta(days=1)))
        self.today_button.clicked.connect(
            lambda: self._ops.query(self._reads.today, on_done=self.show_day, label="Today")
        )
        self.day_edit.dateChanged.connect(lambda d: self.show_day(d.toPython()))
        row = QHBoxLayout()
        row.addWidget(plain_label("Schedule", object_name="title"))
        row.addSpacing(16)
        row.addWidget(self.prev_button)
        row.addWidget(self.day_edit)
        row.addWidget(self.next_button)
        row.addWidget(self.today_button)
        row.addSpacing(12)
        row.addWidget(self.zone_label, 1)
        return row

    def _table(self, model: KeyedTableModel[Any]) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(40)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def _shift_form(self) -> QWidget:
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        self.station = QComboBox()
        self.station.setAccessibleName("Station")
        self.starts = self._datetime_edit("Starts")
        self.ends = self._datetime_edit("Ends")
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(_capital(role), role)
        self.break_list = QListWidget()
        self.break_list.setMaximumHeight(84)
        self.break_list.setAccessibleName("Breaks")
        self.break_starts = QTimeEdit()
        self.break_starts.setDisplayFormat("HH:mm")
        self.break_ends = QTimeEdit()
        self.break_ends.setDisplayFormat("HH:mm")
        self.add_break_button = QPushButton("Add break")
        self.remove_break_button = QPushButton("Remove break")
        self.remove_break_button.setEnabled(False)
        break_row = QHBoxLayout()
        break_row.addWidget(self.break_starts)
        break_row.addWidget(plain_label("to"))
        break_row.addWidget(self.break_ends)
        break_row.addWidget(self.add_break_button)
        break_row.addWidget(self.remove_break_button)
        self.check_label = plain_label("", object_name="check")
        self.check_label.setMinimumHeight(44)
        self.message = plain_label("", object_name="subtitle")
        self.new_button = QPushButton("New shift")
        self.save_button = QPushButton("Save shift")
        self.save_button.setEnabled(False)
        self.delete_button = QPushButton("Delete shift…")
        self.delete_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)

        form = QFormLayout()
        form.addRow("Person", self.person)
        form.addRow("Station", self.station)
        form.addRow("Starts", self.starts)
        form.addRow("Ends", self.ends)
        form.addRow("Role", self.role)
        form.addRow("Breaks", self.break_list)
        form.addRow("", break_row)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.check_label)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)

        for combo in (self.person, self.station, self.role):
            combo.currentIndexChanged.connect(self._draft_changed)
        for edit in (self.starts, self.ends):
            edit.dateTimeChanged.connect(self._draft_changed)
        self.break_list.currentRowChanged.connect(
            lambda row: self.remove_break_button.setEnabled(row >= 0)
        )
        self.add_break_button.clicked.connect(self.add_break)
        self.remove_break_button.clicked.connect(self.remove_break)
        self.new_button.clicked.connect(lambda: self.new_shift())
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.confirm_delete)
        return page

    def _datetime_edit(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setDisplayFormat(DATETIME_FORMAT)
        edit.setCalendarPopup(True)
        edit.setAccessibleName(name)
        return edit

    def _hours_form(self) -> QWidget:
        self.hours_model = HoursModel()
        self.hours_table = self._table(self.hours_model)
        self.hours_table.setMaximumHeight(150)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Applies to")
        self.opens = QTimeEdit(QTime(7, 0))
        self.opens.setDisplayFormat("HH:mm")
        self.closes = QTimeEdit(QTime(17, 0))
        self.closes.setDisplayFormat("HH:mm")
        self.save_hours_button = QPushButton("Save hours")
        self.remove_hours_button = QPushButton("Remove…")
        self.remove_hours_button.setEnabled(False)
        self.hours_message = plain_label(
            "Hours for all stations apply to each station without hours of its own. With no "
            "hours at all, a station is open whenever someone is on shift there.",
            object_name="subtitle",
        )
        times = QHBoxLayout()
        times.addWidget(self.opens)
        times.addWidget(plain_label("to"))
        times.addWidget(self.closes)
        times.addStretch(1)
        form = QFormLayout()
        form.addRow("Applies to", self.scope)
        form.addRow("Open", times)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_hours_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_hours_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.hours_table)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.hours_message)
        layout.addStretch(1)
        self.scope.currentIndexChanged.connect(self._on_scope)
        self.hours_table.selectionModel().selectionChanged.connect(self._on_hours_pick)
        self.save_hours_button.clicked.connect(self.save_hours)
        self.remove_hours_button.clicked.connect(self.confirm_remove_hours)
        return page

    # -- the day --------------------------------------------------------------------------------
    def show_day(self, day: date) -> None:
        """Read ``day`` (the form follows it when it holds a new shift)."""
        if day == self.day and self.plan is not None:
            return
        self.day = day
        self.day_edit.blockSignals(True)
        self.day_edit.setDate(QDate(day.year, day.month, day.day))
        self.day_edit.blockSignals(False)
        self.reads.want(None)

    def _read_plan(self, _keys: frozenset[str] | None) -> DayPlan:
        return self._reads.day_plan(self.day)

    def _apply_plan(self, _keys: frozenset[str] | None, plan: DayPlan) -> None:
        if plan.day != self.day:  # the user moved on meanwhile; that day's read follows
            return
        first = self.plan is None or self.plan.day != plan.day
        self.plan = plan
        self.zone_label.setText(f"Times in {plan.zone.key} (the event's time zone)")
        self.timeline.now = datetime.now(plan.zone)
        self.timeline.set_plan(plan)
        self.shifts_model.set_rows(plan.shifts)
        self.hours_model.set_rows(plan.hours)
        self.empty.setText(
            ""
            if plan.shifts
            else "No shifts on this day — click a station's row on the timeline, or fill in "
            "the Shift form and save it."
        )
        self.empty.setVisible(not plan.shifts)
        self._fill_choices(plan)
        self._set_enabled(bool(plan.people))
        if not plan.people:
            self.check_label.setText("No staff yet — add people on the Staff screen first.")
            self.check_label.setStyleSheet("")
        if self._reload is not None and plan.shift(self._reload) is not None:
            self.edit_shift(self._reload, keep_message=True)  # just saved: as it is stored now
            self._reload = None
        elif self.editing is not None and plan.shift(self.editing) is None and not first:
            self.message.setText("The shift you were editing was removed; this is a new one.")
            self.new_shift(keep_message=True)
        elif first:  # another day: edit its shift if that is the one, else start a new one
            if self.editing is not None and plan.shift(self.editing) is not None:
                self.edit_shift(self.editing)
            else:
                self.new_shift(keep_message=True)
        else:
            self._draft_changed()  # the roster changed around the draft: check it again

    def _fill_choices(self, plan: DayPlan) -> None:
        self._filling = True
        try:
            person = self.person.currentData()
            self.person.clear()
            for p in plan.people:
                self.person.addItem(p.name if p.active else f"{p.name} (inactive)", p.id)
            self._select(self.person, person)
            station = self.station.currentData()
            self.station.clear()
            scope = self.scope.currentData()
            self.scope.clear()
            self.scope.addItem("All stations", NO_STATION)
            for lane in plan.lanes:
                self.station.addItem(lane.label, lane.station_id or NO_STATION)
                if lane.station_id is not None:
                    self.scope.addItem(lane.label, lane.station_id)
            self._select(self.station, station)
            self._select(self.scope, scope)
        finally:
            self._filling = False
        self._on_scope()

    @staticmethod
    def _select(combo: QComboBox, data: object) -> None:
        at = combo.findData(data) if data is not None else -1
        combo.setCurrentIndex(max(at, 0) if combo.count() else -1)

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.touches(SCHEDULE_ENTITIES):
            self.reads.want(None)

    def _tick(self) -> None:
        if self.plan is not None:
            self.timeline.now = datetime.now(self.plan.zone)
            self.timeline.update()

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.person,
            self.station,
            self.starts,
            self.ends,
            self.role,
            self.add_break_button,
            self.new_button,
        ):
            widget.setEnabled(enabled)
        if not enabled:
            self.save_button.setEnabled(False)

    # -- the shift form -------------------------------------------------------------------------
    def new_shift(
        self,
        station_id: int | None = None,
        starts_at: datetime | None = None,
        *,
        keep_message: bool = False,
    ) -> None:
        """An empty form for a new shift on the day shown (at a station and time if given)."""
        if self.plan is None:
            return
        zone = self.plan.zone
        start = starts_at or datetime.combine(self.day, DEFAULT_START, tzinfo=zone)
        self.editing = None
        self.timeline.set_selected(None)
        self.shifts_table.clearSelection()
        self._breaks = []
        self._fill_form(
            person=self.person.currentData(),
            station=station_id if starts_at is not None else self.station.currentData(),
            start=start,
            end=start + DEFAULT_LENGTH,
            role="barista",
        )
        self.delete_button.setEnabled(False)
        if not keep_message:
            self.message.setText("")

    def edit_shift(self, shift_id: int, *, keep_message: bool = False) -> None:
        """Load a stored shift into the form."""
        shift = self.plan.shift(shift_id) if self.plan else None
        if shift is None:
            return
        self.editing = shift.id
        self.timeline.set_selected(shift.id)
        self._breaks = list(shift.breaks)
        self._fill_form(
            person=shift.staff_id,
            station=shift.station_id,
            start=shift.starts_at,
            end=shift.ends_at,
            role=shift.role,
        )
        self.delete_button.setEnabled(True)
        if not keep_message:
            what = shift_text(shift.staff_name, shift.starts_at, shift.ends_at)
            self.message.setText(f"Editing {what}.")
        row = self.shifts_model.row_of(shift.id)
        if row is not None and self.shifts_table.currentIndex().row() != row:
            self.shifts_table.selectRow(row)

    def _fill_form(
        self, *, person: object, station: object, start: datetime, end: datetime, role: str
    ) -> None:
        self._filling = True
        try:
            self._select(self.person, person)
            self._select(self.station, NO_STATION if station is None else station)
            self.starts.setDateTime(_qt(start))
            self.ends.setDateTime(_qt(end))
            self._select(self.role, role)
            self.break_starts.setTime(QTime(start.hour, start.minute).addSecs(2 * 3600))
            self.break_ends.setTime(QTime(start.hour, start.minute).addSecs(2 * 3600 + 15 * 60))
        finally:
            self._filling = False
        self._draft_changed()

    def draft(self) -> ShiftDraft | None:
        """The shift as the form holds it; None before the day is read or with nobody to pick."""
        if self.plan is None or self.person.currentData() is None:
            return None
        zone = self.plan.zone
        station = self.station.currentData()
        return ShiftDraft(
            id=self.editing,
            staff_id=int(self.person.currentData()),
            station_id=None if station in (None, NO_STATION) else int(station),
            starts_at=_aware(self.starts.dateTime(), zone),
            ends_at=_aware(self.ends.dateTime(), zone),
            role=str(self.role.currentData() or "barista"),
            breaks=tuple(self._breaks),
        )

    def add_break(self) -> None:
        draft = self.draft()
        if draft is None:
            return
        start = self._on_shift_day(_wall(self.break_starts.time()), draft.starts_at)
        end = self._on_shift_day(_wall(self.break_ends.time()), start)
        self._breaks.append(BreakBar(None, start, end))
        self._breaks.sort(key=lambda b: b.starts_at)
        self._draft_changed()

    def remove_break(self) -> None:
        row = self.break_list.currentRow()
        if 0 <= row < len(self._breaks):
            del self._breaks[row]
            self._draft_changed()

    @staticmethod
    def _on_shift_day(moment: time, after: datetime) -> datetime:
        """``moment`` on the day of ``after``, or the next day if that would be before it."""
        at = datetime.combine(after.date(), moment, tzinfo=after.tzinfo)
        return at if at >= after else at + timedelta(days=1)

    def _draft_changed(self) -> None:
        if self._filling:
            return
        self.break_list.clear()
        for brk in self._breaks:
            saved = "" if brk.id is not None else " (new)"
            self.break_list.addItem(
                QListWidgetItem(f"{brk.starts_at:%H:%M}–{brk.ends_at:%H:%M}{saved}")
            )
        self._show_verdict()
        if self.draft() is not None:
            self._check_timer.start()

    def check_now(self) -> None:
        """Ask whether the draft fits the roster and the hours (off the GUI thread)."""
        draft = self.draft()
        if draft is None:
            return
        self._ops.query(
            partial(self._reads.check, draft),
            on_done=self._on_checked,
            label="Checking the shift",
        )

    def _on_checked(self, checked: DraftChecked) -> None:
        if checked.draft != self.draft():
            return  # the form moved on; its own check is on its way
        self.verdict = checked
        self._show_verdict()

    def _current_verdict(self) -> DraftChecked | None:
        verdict, draft = self.verdict, self.draft()
        return (
            verdict
            if verdict is not None and draft is not None and verdict.draft == draft
            else None
        )

    def _show_verdict(self) -> None:
        draft, verdict = self.draft(), self._current_verdict()
        problems = None if verdict is None else tuple(_capital(p.reason) for p in verdict.problems)
        if draft is None:
            self.timeline.set_draft(None)
            self.save_button.setEnabled(False)
            return
        # An unchanged stored shift is drawn as itself (selected), not as a draft over it.
        self.timeline.set_draft(
            None
            if self._unchanged(draft)
            else DraftBar(
                replaces=draft.id,
                station_id=draft.station_id,
                staff_name=self.person.currentText().removesuffix(" (inactive)"),
                starts_at=draft.starts_at,
                ends_at=draft.ends_at,
                breaks=tuple((b.starts_at, b.ends_at) for b in draft.breaks),
                problems=problems,
            )
        )
        fields = {p.field for p in verdict.problems} if verdict else set()
        for widget, names in (
            (self.starts, {"starts_at"}),
            (self.ends, {"ends_at"}),
            (self.break_list, {"breaks"}),
        ):
            widget.setStyleSheet("border: 2px solid #a1261c;" if fields & names else "")
        if problems is None:
            self.check_label.setText("Checking the shift against the roster and the hours…")
            self.check_label.setStyleSheet("")
        elif problems:
            lines = "\n".join(f"• {p}" for p in problems)
            self.check_label.setText(f"✕ Can't be saved yet:\n{lines}")
            self.check_label.setStyleSheet(ERROR_STYLE)
        else:
            self.check_label.setText("✓ Fits the opening hours and this person's other shifts.")
            self.check_label.setStyleSheet(OK_STYLE)
        self.save_button.setEnabled(problems == () and not self._saving)

    def _unchanged(self, draft: ShiftDraft) -> bool:
        stored = self.plan.shift(draft.id) if self.plan and draft.id is not None else None
        return stored is not None and (
            stored.staff_id,
            stored.station_id,
            stored.starts_at,
            stored.ends_at,
            stored.role,
            [(b.starts_at, b.ends_at) for b in stored.breaks],
        ) == (
            draft.staff_id,
            draft.station_id,
            draft.starts_at,
            draft.ends_at,
            draft.role,
            [(b.starts_at, b.ends_at) for b in draft.breaks],
        )

    def save(self) -> None:
        """Save the draft — only one the check has passed; otherwise say why not."""
        draft, verdict = self.draft(), self._current_verdict()
        if draft is None or self._saving:
            return
        if verdict is None:
            self.message.setText("Not saved: the shift is still being checked.")
            self.check_now()
            return
        if verdict.problems:
            reasons = "; ".join(p.reason for p in verdict.problems)
            self.message.setText(f"Not saved: {reasons}.")
            return
        self._saving = True
        self.save_button.setEnabled(False)
        self._ops.write(
            self._writer,
            partial(schedule_views.save_shift_draft, event_id=self._reads.event_id, draft=draft),
            initiator=INITIATOR,
            on_done=partial(self._on_saved, draft),
            on_error=self._on_save_failed,
            on_finally=self._save_settled,
            label="Saving the shift",
        )

    def _on_saved(self, draft: ShiftDraft, shift_id: int) -> None:
        self.editing = shift_id
        self.delete_button.setEnabled(True)
        self.timeline.set_selected(shift_id)
        name = self.person.currentText()
        self.message.setText(f"Saved: {shift_text(name, draft.starts_at, draft.ends_at)}.")
        # The change feed re-reads the day; the form then reloads what was stored (its new
        # breaks with their ids).
        self._reload = shift_id

    def _on_save_failed(self, failure: OpFailed) -> None:
        self.message.setText(f"Not saved: {failure.message}")
        self.check_now()

    def _save_settled(self) -> None:
        self._saving = False
        self._show_verdict()

    def confirm_delete(self) -> None:
        if self.editing is None or self.plan is None:
            return
        shift = self.plan.shift(self.editing)
        what = shift_text(shift.staff_name, shift.starts_at, shift.ends_at) if shift else "it"
        self._confirm(
            "Delete shift",
            f"Delete the shift {what}? Its breaks go with it.",
            partial(self._delete, self.editing),
        )

    def _delete(self, shift_id: int) -> None:
        self._ops.write(
            self._writer,
            partial(schedule_views.remove_shift, shift_id=shift_id),
            initiator=INITIATOR,
            on_done=lambda _none: self.message.setText("Shift deleted."),
            on_error=lambda failure: self.message.setText(f"Not deleted: {failure.message}"),
            label="Deleting the shift",
        )
        self.new_shift(keep_message=True)

    def _confirm(self, title: str, text: str, then: Any) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(then)
        self.confirm_box = box
        box.open()

    # -- picking --------------------------------------------------------------------------------
    def _on_shift_picked(self, picked: ShiftPicked) -> None:
        self.tabs.setCurrentIndex(0)
        self.edit_shift(picked.shift_id)

    def _on_slot_picked(self, picked: SlotPicked) -> None:
        self.tabs.setCurrentIndex(0)
        self.new_shift(picked.station_id, picked.at)

    def _on_table_pick(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            shift_id = self.shifts_model.row_at(rows[0].row()).id
            if shift_id != self.editing:
                self.edit_shift(shift_id)

    # -- opening hours --------------------------------------------------------------------------
    def _scope_station(self) -> int | None:
        data = self.scope.currentData()
        return None if data in (None, NO_STATION) else int(data)

    def _hours_row(self) -> HoursRow | None:
        if self.plan is None:
            return None
        station = self._scope_station()
        return next((h for h in self.plan.hours if h.station_id == station), None)

    def _on_scope(self) -> None:
        if self._filling:
            return
        row = self._hours_row()
        self.remove_hours_button.setEnabled(row is not None)
        if row is not None:
            self.opens.setTime(QTime(row.opens.hour, row.opens.minute))
            self.closes.setTime(QTime(row.closes.hour, row.closes.minute))
            self.save_hours_button.setText("Save hours")
        else:
            self.save_hours_button.setText("Add hours")

    def _on_hours_pick(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            row = self.hours_model.row_at(rows[0].row())
            self._select(self.scope, NO_STATION if row.station_id is None else row.station_id)

    def save_hours(self) -> None:
        draft = HoursDraft(
            id=None,  # one row per day and station: the service finds it
            station_id=self._scope_station(),
            day=self.day,
            opens=_wall(self.opens.time()),
            closes=_wall(self.closes.time()),
        )
        scope = self.scope.currentText()
        self._ops.write(
            self._writer,
            partial(schedule_views.save_hours_draft, event_id=self._reads.event_id, draft=draft),
            initiator=INITIATOR,
            on_done=lambda _id: self._hours_said(
                f"Saved: {scope} open {draft.opens:%H:%M}–{draft.closes:%H:%M}.", ok=True
            ),
            on_error=lambda failure: self._hours_said(f"Not saved: {failure.message}"),
            label="Saving opening hours",
        )

    def confirm_remove_hours(self) -> None:
        row = self._hours_row()
        if row is None:
            return
        self._confirm(
            "Remove opening hours",
            f"Remove the opening hours of {row.applies_to} on {row.day:%a %d %b}?",
            partial(self._remove_hours, row.id),
        )

    def _remove_hours(self, hours_id: int) -> None:
        self._ops.write(
            self._writer,
            partial(schedule_views.remove_hours, hours_id=hours_id),
            initiator=INITIATOR,
            on_done=lambda _none: self._hours_said("Opening hours removed.", ok=True),
            on_error=lambda failure: self._hours_said(f"Not removed: {failure.message}"),
            label="Removing opening hours",
        )

    def _hours_said(self, text: str, *, ok: bool = False) -> None:
        self.hours_message.setText(text)
        self.hours_message.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)


def _qt(moment: datetime) -> QDateTime:
    return QDateTime(
        QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute)
    )


def _wall(value: QTime) -> time:
    return time(value.hour(), value.minute())


def _aware(value: QDateTime, zone: ZoneInfo) -> datetime:
    """The form's wall-clock time in the event's zone."""
    day = value.date()
    return datetime.combine(date(day.year(), day.month(), day.day()), _wall(value.time()), zone)
