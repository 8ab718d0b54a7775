"""The Today side panel: this station's day in the event's time zone — open or closed now and
why, the opening hours that apply, and who works here (shifts with their breaks), each marked
against now in words (▶ on now, ◐ on a break, ✓ done, later).

It follows the sync (a round touching shifts, breaks, hours, staff, the station or the event
re-reads it) and the clock: "now" moves on each minute.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station_today import (
    TODAY_ENTITIES,
    ShiftLine,
    TodayPlan,
    When,
    read_today,
)
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.barista.side_panel import scrolled_column
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

TICK_MS = 60_000
MIN_WIDTH = 400  # as wide as the Stock panel beside it

# How a shift stands against now: a mark and words (never colour alone), and its colour.
MARKS = {
    When.NOW: ("▶ On now", "#2f5a31"),
    When.BREAK: ("◐ On a break", "#8a5200"),
    When.DONE: ("✓ Done", "#7a6252"),
    When.LATER: ("Later", "#4a2c1a"),
}

STYLE = """
QScrollArea, QWidget#todayInner { background: transparent; }
QLabel#todayNow { font-size: 20px; font-weight: 700; padding: 4px 0; }
QLabel#todaySection { font-size: 15px; font-weight: 600; color: #6e5646; margin-top: 8px; }
QLabel#todayHours { font-size: 17px; color: #2b1d14; }
QFrame#shiftCard { background: #ffffff; border: 1px solid #e4d8cb; border-radius: 10px; }
QFrame#shiftCard[now="true"] { border: 2px solid #2f5a31; background: #f3f8ef; }
QLabel#shiftName { font-size: 18px; font-weight: 600; color: #2b1d14; }
QLabel#shiftTimes { font-size: 17px; color: #2b1d14; }
QLabel#shiftState { font-size: 15px; font-weight: 700; }
QLabel#breakLine { font-size: 15px; color: #4a2c1a; }
"""


def hm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


class TodayPanel(QWidget):
    """This station's day (a side panel beside the queue)."""

    def __init__(
        self,
        *,
        replica: Replica,
        ops: OpRunner,
        signals: SyncSignals,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self.setObjectName("todayPanel")
        self.setMinimumWidth(MIN_WIDTH)
        self.setStyleSheet(STYLE)
        self._replica, self._clock = replica, clock
        self.plan: TodayPlan | None = None
        self.day = plain_label(object_name="subtitle")
        self.now_line = plain_label(object_name="todayNow")
        self.hours = plain_label(object_name="todayHours")
        self._shifts = QVBoxLayout()
        self._shifts.setSpacing(8)
        scroll = scrolled_column(
            self.day,
            self.now_line,
            plain_label("Opening hours", object_name="todaySection"),
            self.hours,
            plain_label("Shifts here today", object_name="todaySection"),
            self._shifts,
            name="todayInner",
        )
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        self.reads: SerialRead[str, TodayPlan] = SerialRead(
            ops, self._read, self._apply, label="Reading today's shifts"
        )
        signals.replica_changed.connect(self.on_replica_changed)
        self._tick = QTimer(self, interval=TICK_MS)  # "now" moves on; the data does not
        self._tick.timeout.connect(lambda: self.reads.want(None))
        self._tick.start()
        self.reads.want(None)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything or changed.entities & TODAY_ENTITIES:
            self.reads.want(None)

    def _read(self, _keys: frozenset[str] | None) -> TodayPlan:
        return read_today(self._replica, self._clock())

    def _apply(self, _keys: frozenset[str] | None, plan: TodayPlan) -> None:
        self.plan = plan
        day = f"{plan.day:%A} {plan.day.day} {plan.day:%B}"
        self.day.setText(f"{plan.station} · {day} · times in {plan.zone.key}")
        self._show_now(plan)
        if plan.hours:
            self.hours.setText("  ".join(f"{hm(a)}–{hm(b)}" for a, b in plan.hours))
        else:
            self.hours.setText("None set: open while someone is on shift here")
        while (item := self._shifts.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        for shift in plan.shifts:
            self._shifts.addWidget(_shift_card(shift))
        if not plan.shifts:
            self._shifts.addWidget(plain_label("Nobody is rostered here today."))

    def _show_now(self, plan: TodayPlan) -> None:
        now = hm(plan.now)
        if not plan.paired:
            text, colour = "Not paired yet: no roster", "#7a6252"
        elif plan.open_now:
            text, colour = f"● Now {now} — open", "#2f5a31"
        elif plan.next_opening is not None:
            opens = plan.next_opening.astimezone(plan.zone)
            text, colour = f"○ Now {now} — closed, opens {hm(opens)}", "#9b1c1c"
        else:
            text, colour = f"○ Now {now} — closed for the day", "#9b1c1c"
        self.now_line.setText(text)
        self.now_line.setStyleSheet(f"color: {colour};")


def _shift_card(shift: ShiftLine) -> QFrame:
    card = QFrame()
    card.setObjectName("shiftCard")
    card.setProperty("now", shift.when in (When.NOW, When.BREAK))
    layout = QVBoxLayout(card)
    layout.setContentsMargins(12, 8, 12, 8)
    layout.setSpacing(2)
    name = plain_label(shift.staff_name, object_name="shiftName")
    if shift.role != "barista":
        name.setText(f"{shift.staff_name} ({shift.role})")
    times = plain_label(f"{hm(shift.starts_at)}–{hm(shift.ends_at)}", object_name="shiftTimes")
    word, colour = MARKS[shift.when]
    top = QHBoxLayout()
    top.addWidget(name, 1)
    top.addWidget(_coloured(word, colour))
    layout.addLayout(top)
    layout.addWidget(times)
    for pause in shift.breaks:
        mark = {When.NOW: "  ◀ now", When.DONE: "  ✓"}.get(pause.when, "")
        line = f"Break {hm(pause.starts_at)}–{hm(pause.ends_at)}{mark}"
        layout.addWidget(plain_label(line, object_name="breakLine"))
    return card


def _coloured(text: str, colour: str) -> QLabel:
    label = plain_label(text, object_name="shiftState")
    label.setStyleSheet(f"color: {colour};")
    return label
