"""The Schedule screen's opening hours for the day shown: the day's rows (all stations, or one)
and a form to add, change or remove them. A day has one row per station and one for all
stations (the service finds it), so choosing where they apply shows that row's times."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import schedule_views
from expresso_desktop.services.schedule_views import DayPlan, HoursDraft, HoursRow, ScheduleReads
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.cells_model import CellsTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import (
    ERROR_STYLE,
    OK_STYLE,
    ask,
    read_only_table,
    wall_time,
)

INITIATOR = "ui:schedule"
ALL_STATIONS = 0  # the scope combo's data for event-wide hours (station ids start at 1)
HINT = (
    "Hours for all stations apply to each station without hours of its own. With no hours at "
    "all, a station is open whenever someone is on shift there."
)


class HoursModel(CellsTableModel[HoursRow]):
    HEADERS = ("Applies to", "Opens", "Closes")

    def cells(self, row: HoursRow) -> tuple[Any, ...]:
        return (row.applies_to, f"{row.opens:%H:%M}", f"{row.closes:%H:%M}")


class HoursForm(QWidget):
    def __init__(
        self, ops: OpRunner, writer: Writer, reads: ScheduleReads, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer, self._event_id = ops, writer, reads.event_id
        self.plan: DayPlan | None = None
        self.confirm_box: QMessageBox | None = None
        self.model = HoursModel(self)
        self.table = read_only_table(self.model, self._on_pick)
        self.table.setMaximumHeight(150)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Applies to")
        self.opens = _time_edit(QTime(7, 0), "Opens")
        self.closes = _time_edit(QTime(17, 0), "Closes")
        self.save_button = QPushButton("Add hours")
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setEnabled(False)
        self.message = plain_label(HINT, object_name="subtitle")
        self._filling = False

        times = QHBoxLayout()
        times.addWidget(self.opens)
        times.addWidget(plain_label("to"))
        times.addWidget(self.closes)
        times.addStretch(1)
        form = QFormLayout()
        form.addRow("Applies to", self.scope)
        form.addRow("Open", times)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.scope.currentIndexChanged.connect(self._on_scope)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.confirm_remove)

    def set_plan(self, plan: DayPlan) -> None:
        self.plan = plan
        self.model.set_rows(plan.hours)
        self._filling = True
        try:
            scope = self.scope.currentData()
            self.scope.clear()
            self.scope.addItem("All stations", ALL_STATIONS)
            for lane in plan.lanes:
                if lane.station_id is not None:
                    self.scope.addItem(lane.label, lane.station_id)
            self.scope.setCurrentIndex(max(0, self.scope.findData(scope)))
        finally:
            self._filling = False
        self._on_scope()

    def _station(self) -> int | None:
        data = self.scope.currentData()
        return None if data in (None, ALL_STATIONS) else int(data)

    def current_row(self) -> HoursRow | None:
        """The day's row for the chosen stations, if it has one."""
        if self.plan is None:
            return None
        station = self._station()
        return next((h for h in self.plan.hours if h.station_id == station), None)

    def _on_scope(self) -> None:
        if self._filling:
            return
        row = self.current_row()
        self.remove_button.setEnabled(row is not None)
        self.save_button.setText("Save hours" if row is not None else "Add hours")
        if row is not None:
            self.opens.setTime(QTime(row.opens.hour, row.opens.minute))
            self.closes.setTime(QTime(row.closes.hour, row.closes.minute))

    def _on_pick(self, row: HoursRow) -> None:
        at = self.scope.findData(ALL_STATIONS if row.station_id is None else row.station_id)
        self.scope.setCurrentIndex(max(0, at))

    def save(self) -> None:
        if self.plan is None:
            return
        draft = HoursDraft(
            station_id=self._station(),
            day=self.plan.day,
            opens=wall_time(self.opens.time()),
            closes=wall_time(self.closes.time()),
        )
        said = f"Saved: {self.scope.currentText()} open {draft.opens:%H:%M}–{draft.closes:%H:%M}."
        self._ops.write(
            self._writer,
            partial(schedule_views.save_hours_draft, event_id=self._event_id, draft=draft),
            initiator=INITIATOR,
            on_done=lambda _id: self._say(said, ok=True),
            on_error=lambda failure: self._failed("Not saved", failure),
            label="Saving opening hours",
        )

    def confirm_remove(self) -> None:
        row = self.current_row()
        if row is None:
            return
        self.confirm_box = ask(
            self,
            "Remove opening hours",
            f"Remove the opening hours of {row.applies_to} on {row.day:%a %d %b}?",
            partial(self._remove, row.id),
        )

    def _remove(self, hours_id: int) -> None:
        self._ops.write(
            self._writer,
            partial(schedule_views.remove_hours, hours_id=hours_id),
            initiator=INITIATOR,
            on_done=lambda _none: self._say("Opening hours removed.", ok=True),
            on_error=lambda failure: self._failed("Not removed", failure),
            label="Removing opening hours",
        )

    def _failed(self, what: str, failure: OpFailed) -> None:
        self._say(f"✕ {what}: {failure.message}")

    def _say(self, text: str, *, ok: bool = False) -> None:
        self.message.setText(f"✓ {text}" if ok else text)
        self.message.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)


def _time_edit(value: QTime, name: str) -> QTimeEdit:
    edit = QTimeEdit(value)
    edit.setDisplayFormat("HH:mm")
    edit.setAccessibleName(name)
    return edit
