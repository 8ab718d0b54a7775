"""The Schedule screen's shift form: person, station (or roaming), start, end, role and breaks,
checked as it is edited, before anything is saved.

Each change re-asks ``ScheduleReads.check`` (debounced, through the op runner) — the same rules
``save_shift`` refuses with — and shows the answer in words: "✓ Fits…" or "✕ Can't be saved
yet: • Overlaps the shift Fri 07:00–11:00 at Station 1 of the same person", the fields it names
outlined. Save is on only when the check for exactly what the form holds passed; a save
refused anyway (the roster changed meanwhile) shows the service's reason. The form's shift is
announced (``shown``) so the timeline draws it as a draft bar, red with its reason when wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import schedule_views
from expresso_desktop.services.schedule_views import (
    ROLES,
    BreakBar,
    DayPlan,
    DraftChecked,
    ScheduleReads,
    ShiftBar,
    ShiftDraft,
)
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import (
    ERROR_STYLE,
    INVALID_FIELD,
    OK_STYLE,
    ask,
    capital,
    combo,
    datetime_edit,
    in_zone,
    single_shot,
    time_edit,
    wall_clock,
    wall_time,
)
from expresso_desktop.ui.organiser.timeline import DraftBar, shift_text

INITIATOR = "ui:schedule"
CHECK_DELAY_MS = 250  # a check once the user stops changing the form for this long
NO_STATION = 0  # the station combo's data for roaming (station ids start at 1)
DEFAULT_START, DEFAULT_LENGTH = time(9), timedelta(hours=4)
INACTIVE = " (inactive)"


@dataclass(frozen=True, slots=True)
class DraftShown:
    """What the form holds now: the draft bar to draw (None: nothing to draw, e.g. a stored
    shift unchanged) and the stored shift it edits (None: a new one)."""

    bar: DraftBar | None
    editing: int | None


class ShiftForm(QWidget):
    """Signals: shown(DraftShown) — whenever the form's shift or its verdict changes."""

    shown = Signal(DraftShown)

    def __init__(
        self, ops: OpRunner, writer: Writer, reads: ScheduleReads, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer, self._reads = ops, writer, reads
        self.plan: DayPlan | None = None
        self.verdict: DraftChecked | None = None  # the last check, with the draft it was for
        self.editing: int | None = None  # the stored shift the form edits (None: a new one)
        self.confirm_box: QMessageBox | None = None
        self._breaks: list[BreakBar] = []
        self._filling = False  # code is filling the form: no checks until it is done
        self._drawn = False  # a new shift is drawn once the user starts on it
        self._saving = False
        self._reload: int | None = None  # just saved: reload it from the next plan
        self._build()
        self._check_timer = single_shot(self, CHECK_DELAY_MS, self.check_now)
        self._set_enabled(False)

    def _build(self) -> None:
        self.person = combo("Person")
        self.station = combo("Station")
        self.starts = datetime_edit("Starts")
        self.ends = datetime_edit("Ends")
        self.role = combo("Role")
        for role in ROLES:
            self.role.addItem(capital(role), role)
        self.break_list = QListWidget()
        self.break_list.setFixedHeight(64)  # two breaks in sight
        self.break_list.setAccessibleName("Breaks")
        self.break_starts = time_edit("Break starts")
        self.break_ends = time_edit("Break ends")
        self.add_break_button = QPushButton("Add break")
        self.remove_break_button = QPushButton("Remove")
        self.remove_break_button.setToolTip("Remove the break selected in the list")
        self.remove_break_button.setEnabled(False)
        self.check_label = plain_label("")
        self.check_label.setMinimumHeight(44)
        self.message = plain_label("", object_name="subtitle")
        self.new_button = QPushButton("New shift")
        self.save_button = QPushButton("Save shift")
        self.save_button.setEnabled(False)
        self.delete_button = QPushButton("Delete shift…")
        self.delete_button.setEnabled(False)

        break_row = QHBoxLayout()
        for widget in (self.break_starts, plain_label("to"), self.break_ends):
            break_row.addWidget(widget)
        break_row.addWidget(self.add_break_button)
        break_row.addWidget(self.remove_break_button)
        break_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.delete_button)
        shift = QFormLayout()
        shift.addRow("Person", self.person)
        shift.addRow("Station", self.station)
        shift.addRow("Starts", self.starts)
        shift.addRow("Ends", self.ends)
        shift.addRow("Role", self.role)
        breaks = QVBoxLayout()
        breaks.addWidget(plain_label("Breaks"))
        breaks.addWidget(self.break_list)
        breaks.addLayout(break_row)
        breaks.addWidget(self.check_label)
        breaks.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(shift, 1)
        columns.addSpacing(16)
        columns.addLayout(breaks, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addLayout(buttons)
        layout.addStretch(1)

        for choice in (self.person, self.station, self.role):
            choice.currentIndexChanged.connect(self._edited)
        for edit in (self.starts, self.ends):
            edit.dateTimeChanged.connect(self._edited)
        self.break_list.currentRowChanged.connect(
            lambda row: self.remove_break_button.setEnabled(row >= 0)
        )
        self.add_break_button.clicked.connect(self.add_break)
        self.remove_break_button.clicked.connect(self.remove_break)
        self.new_button.clicked.connect(lambda: self.new_shift())
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.confirm_delete)

    # -- the day ---------------------------------------------------------------------------------
    def set_plan(self, plan: DayPlan) -> None:
        """A fresh read of the day: the choices follow it; a shift just saved is reloaded as
        stored; a shift removed elsewhere leaves a new one; another day starts a new one."""
        other_day = self.plan is None or self.plan.day != plan.day
        self.plan = plan
        self._fill_choices(plan)
        self._set_enabled(bool(plan.people))
        if self._reload is not None and plan.shift(self._reload) is not None:
            self.edit_shift(self._reload, keep_message=True)
            self._reload = None
        elif self.editing is not None and plan.shift(self.editing) is None and not other_day:
            self.message.setText("The shift you were editing was removed; this is a new one.")
            self.new_shift(keep_message=True)
        elif other_day and (self.editing is None or plan.shift(self.editing) is None):
            self.new_shift(keep_message=True)
        else:
            self._changed()  # the roster changed around the draft: check it again
        if not plan.people:
            self.check_label.setText("No staff yet — add people on the Staff screen first.")
            self.check_label.setStyleSheet("")

    def _fill_choices(self, plan: DayPlan) -> None:
        self._filling = True
        try:
            person, station = self.person.currentData(), self.station.currentData()
            self.person.clear()
            for p in plan.people:
                self.person.addItem(p.name if p.active else p.name + INACTIVE, p.id)
            self.station.clear()
            for lane in plan.lanes:
                self.station.addItem(lane.label, lane.station_id or NO_STATION)
            _select(self.person, person)
            _select(self.station, station)
        finally:
            self._filling = False

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.person, self.station, self.starts, self.ends, self.role):
            widget.setEnabled(enabled)
        for button in (self.add_break_button, self.new_button):
            button.setEnabled(enabled)
        if not enabled:
            self.save_button.setEnabled(False)

    # -- filling the form --------------------------------------------------------------------
    def new_shift(
        self,
        station_id: int | None = None,
        starts_at: datetime | None = None,
        *,
        keep_message: bool = False,
    ) -> None:
        """A new shift on the day shown: at ``station_id`` from ``starts_at`` (a slot picked on
        the timeline), else where and as the form had it, from 09:00."""
        if self.plan is None:
            return
        start = starts_at or datetime.combine(self.plan.day, DEFAULT_START, self.plan.zone)
        self.editing = None
        self._breaks = []
        station = station_id if starts_at is not None else self.station.currentData()
        self._drawn = starts_at is not None  # a slot picked: the user started on it
        self._fill(self.person.currentData(), station, start, start + DEFAULT_LENGTH, "barista")
        self.delete_button.setEnabled(False)
        if not keep_message:
            self.message.setText("")

    def edit_shift(self, shift_id: int, *, keep_message: bool = False) -> None:
        """Load a stored shift of the day into the form."""
        shift = self.plan.shift(shift_id) if self.plan else None
        if shift is None:
            return
        self.editing = shift.id
        self._breaks = list(shift.breaks)
        self._fill(shift.staff_id, shift.station_id, shift.starts_at, shift.ends_at, shift.role)
        self.delete_button.setEnabled(True)
        if not keep_message:
            self.message.setText(f"Editing {_said(shift)}.")

    def _fill(
        self, person: object, station: object, start: datetime, end: datetime, role: str
    ) -> None:
        self._filling = True
        try:
            _select(self.person, person)
            _select(self.station, NO_STATION if station is None else station)
            self.starts.setDateTime(wall_clock(start))
            self.ends.setDateTime(wall_clock(end))
            _select(self.role, role)
            self.break_starts.setTime(wall_clock(start + timedelta(hours=2)).time())
            self.break_ends.setTime(wall_clock(start + timedelta(hours=2, minutes=15)).time())
        finally:
            self._filling = False
        self._changed()

    def draft(self) -> ShiftDraft | None:
        """The shift as the form holds it; None before the day is read or with nobody to pick."""
        if self.plan is None or self.person.currentData() is None:
            return None
        station = self.station.currentData()
        return ShiftDraft(
            id=self.editing,
            staff_id=int(self.person.currentData()),
            station_id=None if station in (None, NO_STATION) else int(station),
            starts_at=in_zone(self.starts.dateTime(), self.plan.zone),
            ends_at=in_zone(self.ends.dateTime(), self.plan.zone),
            role=str(self.role.currentData() or "barista"),
            breaks=tuple(self._breaks),
        )

    def add_break(self) -> None:
        draft = self.draft()
        if draft is None:
            return
        start = _after(wall_time(self.break_starts.time()), draft.starts_at)
        end = _after(wall_time(self.break_ends.time()), start)
        self._breaks.append(BreakBar(None, start, end))
        self._breaks.sort(key=lambda b: b.starts_at)
        self._edited()

    def remove_break(self) -> None:
        row = self.break_list.currentRow()
        if 0 <= row < len(self._breaks):
            del self._breaks[row]
            self._edited()

    # -- checking --------------------------------------------------------------------------------
    def _edited(self) -> None:
        if not self._filling:
            self._drawn = True
            self._changed()

    def _changed(self) -> None:
        if self._filling:
            return
        self.break_list.clear()
        for brk in self._breaks:
            new = "" if brk.id is not None else " (new)"
            self.break_list.addItem(f"{brk.starts_at:%H:%M}–{brk.ends_at:%H:%M}{new}")
        self._show_verdict()
        if self.draft() is not None:
            self._check_timer.start()

    def check_now(self) -> None:
        """Ask whether the draft fits the roster and the hours (off the GUI thread)."""
        draft = self.draft()
        if draft is not None:
            self._ops.query(
                partial(self._reads.check, draft),
                on_done=self._on_checked,
                label="Checking the shift",
            )

    def _on_checked(self, checked: DraftChecked) -> None:
        if checked.draft == self.draft():  # else the form moved on and its check follows
            self.verdict = checked
            self._show_verdict()

    def current_verdict(self) -> DraftChecked | None:
        """The check of exactly what the form holds, if it is back."""
        verdict, draft = self.verdict, self.draft()
        current = verdict is not None and draft is not None and verdict.draft == draft
        return verdict if current else None

    def _show_verdict(self) -> None:
        draft, verdict = self.draft(), self.current_verdict()
        problems = None if verdict is None else tuple(capital(p.reason) for p in verdict.problems)
        self.shown.emit(DraftShown(self._bar(draft, problems), self.editing))
        fields = {p.field for p in verdict.problems} if verdict else set()
        for widget, field in ((self.starts, "starts_at"), (self.ends, "ends_at")):
            widget.setStyleSheet(INVALID_FIELD if field in fields else "")
        self.break_list.setStyleSheet(INVALID_FIELD if "breaks" in fields else "")
        if draft is None:
            self.save_button.setEnabled(False)
            return
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

    def _bar(self, draft: ShiftDraft | None, problems: tuple[str, ...] | None) -> DraftBar | None:
        if draft is None or self._unchanged(draft):
            return None  # an unchanged stored shift is drawn as itself
        if draft.id is None and not self._drawn:
            return None  # a blank form is not a plan yet
        return DraftBar(
            replaces=draft.id,
            station_id=draft.station_id,
            staff_name=self.person.currentText().removesuffix(INACTIVE),
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            breaks=tuple((b.starts_at, b.ends_at) for b in draft.breaks),
            problems=problems,
        )

    def _unchanged(self, draft: ShiftDraft) -> bool:
        stored = self.plan.shift(draft.id) if self.plan and draft.id is not None else None
        return stored is not None and _shape(stored) == _shape(draft)

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> None:
        """Save the draft — only one the check has passed; otherwise say why not."""
        draft, verdict = self.draft(), self.current_verdict()
        if draft is None or self._saving:
            return
        if verdict is None:
            self.message.setText("Not saved: the shift is still being checked.")
            self.check_now()
            return
        if verdict.problems:
            self.message.setText(f"Not saved: {'; '.join(p.reason for p in verdict.problems)}.")
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
        self._reload = shift_id  # the change feed re-reads the day: the form reloads it then
        self.delete_button.setEnabled(True)
        name = self.person.currentText().removesuffix(INACTIVE)
        self.message.setText(f"Saved: {shift_text(name, draft.starts_at, draft.ends_at)}.")

    def _on_save_failed(self, failure: OpFailed) -> None:
        self.message.setText(f"Not saved: {failure.message}")
        self.check_now()

    def _save_settled(self) -> None:
        self._saving = False
        self._show_verdict()

    def confirm_delete(self) -> None:
        editing = self.editing
        shift = self.plan.shift(editing) if self.plan and editing is not None else None
        if shift is None:
            return
        self.confirm_box = ask(
            self,
            "Delete shift",
            f"Delete the shift {_said(shift)}? Its breaks go with it.",
            partial(self._delete, shift.id),
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


def _shape(shift: ShiftBar | ShiftDraft) -> tuple[object, ...]:
    breaks = tuple((b.starts_at, b.ends_at) for b in shift.breaks)
    return (shift.staff_id, shift.station_id, shift.starts_at, shift.ends_at, shift.role, breaks)


def _said(shift: ShiftBar) -> str:
    return (
        f"{shift_text(shift.staff_name, shift.starts_at, shift.ends_at)} at {shift.station_label}"
    )


def _after(moment: time, after: datetime) -> datetime:
    """``moment`` on the day of ``after``, or the next day if that would be before it."""
    at = datetime.combine(date(after.year, after.month, after.day), moment, after.tzinfo)
    return at if at >= after else at + timedelta(days=1)


def _select(combo: QComboBox, data: object) -> None:
    at = combo.findData(data) if data is not None else -1
    combo.setCurrentIndex(max(at, 0) if combo.count() else -1)
