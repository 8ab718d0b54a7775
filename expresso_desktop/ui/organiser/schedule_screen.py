"""The organiser's Schedule screen: one day of the roster as a timeline per station (and one row
for roaming staff) in the event's time zone, the day's shifts as a table, and two forms — a
shift (``shift_form``: checked as it is edited, before saving) and the day's opening hours
(``hours_form``).

A click on a bar (or a row of the table) edits that shift; a click on an empty place plans a
new one there. The day re-reads whenever a commit touches shifts, breaks, hours, staff,
stations or the event — from this window, the LAN API or a station — and the form's draft is
checked again against the new roster.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.schedule_views import (
    SCHEDULE_ENTITIES,
    DayPlan,
    ScheduleReads,
    ShiftBar,
)
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.cells_model import CellsTableModel
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import capital, read_only_table, select_row
from expresso_desktop.ui.organiser.hours_form import HoursForm
from expresso_desktop.ui.organiser.shift_form import DraftShown, ShiftForm
from expresso_desktop.ui.organiser.timeline import (
    AXIS_HEIGHT,
    SUB_ROW,
    DayTimeline,
    ShiftPicked,
    SlotPicked,
)

LEGEND = (
    "Pale band: open · hatched: closed · dark bar: a shift (its breaks along the foot) · "
    "“!” red bar: a problem, with the reason · dashed: the shift in the form, not saved yet. "
    "Click a bar to edit it, an empty place to plan a shift there."
)
TIMELINE_MAX_HEIGHT = AXIS_HEIGHT + 5 * SUB_ROW  # more rows than this scroll
EMPTY = (
    "No shifts on this day — click a station's row on the timeline, or fill in the Shift form "
    "and save it."
)


class ShiftsModel(CellsTableModel[ShiftBar]):
    HEADERS = ("Person", "Station", "Time", "Breaks", "Check")

    def cells(self, row: ShiftBar) -> tuple[Any, ...]:
        return (
            row.staff_name if row.role == "barista" else f"{row.staff_name} ({row.role})",
            row.station_label,
            f"{row.starts_at:%H:%M}–{row.ends_at:%H:%M}",
            ", ".join(f"{b.starts_at:%H:%M}–{b.ends_at:%H:%M}" for b in row.breaks) or "—",
            f"! {capital('; '.join(row.problems))}" if row.problems else "✓ OK",
        )

    def cell(self, row: ShiftBar, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 4 and row.problems:
            return "\n".join(capital(p) for p in row.problems)
        return super().cell(row, column, role)


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
        self._ops, self._reads = ops, reads
        self.plan: DayPlan | None = None
        self.day = date.today()  # replaced by the event's today before anything is read

        self.timeline = DayTimeline()
        self._timeline_area = _scrolling(self.timeline)
        self.shifts_model = ShiftsModel(self)
        self.shifts_table = read_only_table(self.shifts_model, self._on_row_picked)
        self.shifts_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.empty = plain_label(EMPTY, object_name="subtitle")
        self.empty.setVisible(False)
        self.shift_form = ShiftForm(ops, writer, reads)
        self.hours_form = HoursForm(ops, writer, reads)
        self.tabs = QTabWidget()
        self.tabs.addTab(_scrolling(self.shift_form), "Shift")
        day_list = QWidget()
        day_layout = QVBoxLayout(day_list)
        day_layout.addWidget(self.shifts_table, 1)
        day_layout.addWidget(self.empty)
        self.tabs.addTab(day_list, "Shifts on this day")
        self.tabs.addTab(_scrolling(self.hours_form), "Opening hours")
        layout = QVBoxLayout(self)
        layout.addLayout(self._header())
        layout.addWidget(self._timeline_area)
        layout.addWidget(plain_label(LEGEND, object_name="subtitle"))
        layout.addWidget(self.tabs, 1)

        self._clock = QTimer(self, interval=60_000)  # the "now" line moves on
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.timeline.shift_picked.connect(self._on_shift_picked)
        self.timeline.slot_picked.connect(self._on_slot_picked)
        self.shift_form.shown.connect(self._on_form_shown)
        self.reads = SerialRead(ops, self._read_plan, self._apply_plan, label="Reading the day")
        bridge.committed.connect(self._on_committed)
        ops.query(reads.today, on_done=self.show_day, label="Reading the event's day")

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
        self.day_edit.setAccessibleName("Day")
        self.zone_label = plain_label("", object_name="subtitle")
        self.prev_button.clicked.connect(lambda: self.show_day(self.day - timedelta(days=1)))
        self.next_button.clicked.connect(lambda: self.show_day(self.day + timedelta(days=1)))
        self.today_button.clicked.connect(
            lambda: self._ops.query(self._reads.today, on_done=self.show_day, label="Today")
        )
        self.day_edit.dateChanged.connect(
            lambda d: self.show_day(date(d.year(), d.month(), d.day()))
        )
        row = QHBoxLayout()
        row.addWidget(plain_label("Schedule", object_name="title"))
        row.addSpacing(16)
        for widget in (self.prev_button, self.day_edit, self.next_button, self.today_button):
            row.addWidget(widget)
        row.addSpacing(12)
        row.addWidget(self.zone_label, 1)
        return row

    # -- the day --------------------------------------------------------------------------------
    def show_day(self, day: date) -> None:
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
        self.plan = plan
        self.zone_label.setText(f"Times in {plan.zone.key} (the event's time zone)")
        self.timeline.now = datetime.now(plan.zone)
        self.timeline.set_plan(plan)
        self._fit_timeline()
        self.shifts_model.set_rows(plan.shifts)
        self.empty.setVisible(not plan.shifts)
        self.tabs.setTabText(1, f"Shifts on this day ({len(plan.shifts)})")
        self.hours_form.set_plan(plan)
        self.shift_form.set_plan(plan)

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.touches(SCHEDULE_ENTITIES):
            self.reads.want(None)

    def _tick(self) -> None:
        if self.plan is not None:
            self.timeline.now = datetime.now(self.plan.zone)
            self.timeline.update()

    # -- picking --------------------------------------------------------------------------------
    def _fit_timeline(self) -> None:
        """Every row in sight (a draft beside another shift adds a row), up to a limit."""
        self._timeline_area.setFixedHeight(min(self.timeline.height() + 2, TIMELINE_MAX_HEIGHT))

    def _on_form_shown(self, shown: DraftShown) -> None:
        self.timeline.set_draft(shown.bar)
        self._fit_timeline()
        self.timeline.set_selected(shown.editing)
        select_row(self.shifts_table, self.shifts_model, shown.editing)

    def _on_shift_picked(self, picked: ShiftPicked) -> None:
        self.tabs.setCurrentIndex(0)
        self.shift_form.edit_shift(picked.shift_id)

    def _on_slot_picked(self, picked: SlotPicked) -> None:
        self.tabs.setCurrentIndex(0)
        self.shift_form.new_shift(picked.station_id, picked.at)

    def _on_row_picked(self, row: ShiftBar) -> None:
        if row.id != self.shift_form.editing:
            self._on_shift_picked(ShiftPicked(row.id))


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: the screen fits a laptop's 800 px."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.viewport().setAutoFillBackground(False)  # the tab's own background shows through
    widget.setAutoFillBackground(False)
    return area
