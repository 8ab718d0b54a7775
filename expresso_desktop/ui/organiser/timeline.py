"""A day of the roster drawn as a timeline: a row per station (and one for roaming staff), the
hours across, in the event's time zone. Each row shows the opening hours that apply to it (a
plain band; closed time hatched), its shifts as bars carrying the person's name and times, their
breaks in a strip along the bar's foot, and the shift being edited as a dashed draft bar.

Status is never colour alone: a shift with a problem is red *and* starts with "!" and its reason
("! Sam 13:00–17:00 — shift is outside the operating hours"); a draft says "✓" or "✕".
Rows are at least 48 px (two bars at once at a station stack in sub-rows). Clicking a bar picks
that shift; clicking an empty slot picks the station and the time (to the half hour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from expresso_desktop.services.schedule_views import DayPlan, Lane, ShiftBar

LABEL_WIDTH = 220
AXIS_HEIGHT = 34
SUB_ROW = 60  # one bar's row (>= 48 px): two lines of text and the break strip
BAR_MARGIN = 5
BREAK_STRIP = 12  # the foot of a bar where its breaks are drawn
MIN_SPAN_H = 8
DEFAULT_HOURS = (7, 19)

INK = QColor("#2b1d14")
MUTED = QColor("#6d5646")
GRID = QColor("#e7dccf")
OPEN_FILL = QColor("#eef6ea")
OPEN_INK = QColor("#2f5a31")
CLOSED_HATCH = QColor("#d9cdbf")
BAR_FILL = QColor("#6b3f24")
BAR_TEXT = QColor("#ffffff")
BREAK_FILL = QColor("#e9d5c3")
PROBLEM_FILL = QColor("#a1261c")
PROBLEM_BREAK = QColor("#f4c7c2")
DRAFT_OK = QColor("#fff4e6")
DRAFT_BAD = QColor("#fde7e5")
NOW_LINE = QColor("#1f5fa8")


@dataclass(frozen=True, slots=True)
class DraftBar:
    """The shift being edited, as the form holds it (``replaces``: the stored shift it edits,
    hidden while the draft is drawn). ``problems`` None: not checked yet."""

    replaces: int | None
    station_id: int | None
    staff_name: str
    starts_at: datetime
    ends_at: datetime
    breaks: tuple[tuple[datetime, datetime], ...]
    problems: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class ShiftPicked:
    """A click on a stored shift's bar."""

    shift_id: int


@dataclass(frozen=True, slots=True)
class SlotPicked:
    """A click on an empty place of a row: its station (None: roaming) and the time there."""

    station_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class _Placed:
    rect: QRectF
    shift: ShiftBar | None  # None: the draft
    title: str  # "! Sam 08:00–12:00": the mark, the person and the times
    detail: str  # the reason, drawn on a second line; "" when all is well
    tooltip: str

    @property
    def text(self) -> str:
        return f"{self.title} — {self.detail}" if self.detail else self.title


def shift_text(name: str, start: datetime, end: datetime, role: str = "barista") -> str:
    """ "Sam 08:00–12:00" (and the role when it is not a barista's)."""
    text = f"{name} {start:%H:%M}–{end:%H:%M}"
    return text if role == "barista" else f"{text} · {role}"


class DayTimeline(QWidget):
    """Signals: shift_picked(ShiftPicked), slot_picked(SlotPicked)."""

    shift_picked = Signal(ShiftPicked)
    slot_picked = Signal(SlotPicked)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAccessibleName("Day timeline")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.plan: DayPlan | None = None
        self.draft: DraftBar | None = None
        self.selected: int | None = None
        self._placed: list[_Placed] = []
        self._rows: list[tuple[Lane, float, float]] = []  # lane, top, height
        self._hours = DEFAULT_HOURS
        self.now: datetime | None = None  # drawn as a line when on this day

    # -- feeding --------------------------------------------------------------------------------
    def set_plan(self, plan: DayPlan) -> None:
        self.plan = plan
        self._relayout()

    def set_draft(self, draft: DraftBar | None) -> None:
        self.draft = draft
        self._relayout()

    def set_selected(self, shift_id: int | None) -> None:
        self.selected = shift_id
        self.update()

    def bar_texts(self) -> list[str]:
        """What the bars say, top to bottom (tests and the accessible description)."""
        return [p.text for p in self._placed]

    # -- geometry -------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(900, self._total_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(600, self._total_height())

    def resizeEvent(self, event: object) -> None:
        self._place()

    def _total_height(self) -> int:
        return int(AXIS_HEIGHT + sum(h for _, _, h in self._rows) + 1) if self._rows else 160

    def _relayout(self) -> None:
        self._hours = self._span()
        self._place()
        self.setFixedHeight(self._total_height())
        self.setAccessibleDescription("; ".join(self.bar_texts()) or "No shifts on this day")
        self.updateGeometry()
        self.update()

    def _span(self) -> tuple[int, int]:
        """The hours shown: from an hour before the first thing on the day to one after the last."""
        plan = self.plan
        if plan is None:
            return DEFAULT_HOURS
        times = [t for lane in plan.lanes for span in lane.open for t in span]
        times += [t for s in plan.shifts for t in (s.starts_at, s.ends_at)]
        if self.draft is not None:
            times += [self.draft.starts_at, self.draft.ends_at]
        hours = [self._hour_of(t) for t in times]
        hours = [min(max(h, 0.0), 24.0) for h in hours]
        if not hours:
            return DEFAULT_HOURS
        first = max(0, math.floor(min(hours)) - 1)
        last = min(24, math.ceil(max(hours)) + 1)
        if last - first < MIN_SPAN_H:
            grow = MIN_SPAN_H - (last - first)
            first = max(0, first - grow // 2)
            last = min(24, first + MIN_SPAN_H)
            first = max(0, last - MIN_SPAN_H)
        return first, last

    def _hour_of(self, moment: datetime) -> float:
        assert self.plan is not None
        return (moment - self.plan.starts_at).total_seconds() / 3600

    def x_of(self, moment: datetime) -> float:
        first, last = self._hours
        width = max(1.0, self.width() - LABEL_WIDTH - 8)
        hour = min(max(self._hour_of(moment), first), last)
        return LABEL_WIDTH + (hour - first) / (last - first) * width

    def _time_at(self, x: float) -> datetime:
        assert self.plan is not None
        first, last = self._hours
        width = max(1.0, self.width() - LABEL_WIDTH - 8)
        hour = first + (x - LABEL_WIDTH) / width * (last - first)
        half_hours = round(hour * 2)
        return self.plan.starts_at + timedelta(minutes=30 * half_hours)

    def _place(self) -> None:
        """Rows, and the bars in them (stacked into sub-rows where they overlap)."""
        self._rows, self._placed = [], []
        plan = self.plan
        if plan is None:
            return
        top = float(AXIS_HEIGHT)
        for lane in plan.lanes:
            items = self._items_of(lane)
            ends: list[datetime] = []
            rows_of: list[int] = []
            for _, start, end in items:
                row = next((i for i, e in enumerate(ends) if e <= start), len(ends))
                if row == len(ends):
                    ends.append(end)
                else:
                    ends[row] = end
                rows_of.append(row)
            height = float(SUB_ROW * max(1, len(ends)))
            self._rows.append((lane, top, height))
            for (shift, start, end), row in zip(items, rows_of, strict=True):
                left, right = self.x_of(start), self.x_of(end)
                rect = QRectF(
                    left,
                    top + row * SUB_ROW + BAR_MARGIN,
                    max(6.0, right - left),
                    SUB_ROW - 2 * BAR_MARGIN,
                )
                self._placed.append(self._describe(rect, shift))
            top += height

    def _items_of(self, lane: Lane) -> list[tuple[ShiftBar | None, datetime, datetime]]:
        assert self.plan is not None
        draft = self.draft
        items: list[tuple[ShiftBar | None, datetime, datetime]] = [
            (s, s.starts_at, s.ends_at)
            for s in self.plan.shifts
            if s.station_id == lane.station_id and (draft is None or s.id != draft.replaces)
        ]
        if draft is not None and draft.station_id == lane.station_id:
            start, end = draft.starts_at, max(draft.ends_at, draft.starts_at)
            if end > self.plan.starts_at and start < self.plan.ends_at:
                items.append((None, start, end))
        return sorted(items, key=lambda item: (item[1], item[2]))

    def _describe(self, rect: QRectF, shift: ShiftBar | None) -> _Placed:
        if shift is not None:
            title = shift_text(shift.staff_name, shift.starts_at, shift.ends_at, shift.role)
            detail = "; ".join(shift.problems)
            breaks = ", ".join(f"{b.starts_at:%H:%M}–{b.ends_at:%H:%M}" for b in shift.breaks)
            tip = "\n".join(
                (
                    f"{shift.staff_name} ({shift.role}) at {shift.station_label}",
                    f"{shift.starts_at:%a %d %b %H:%M} – {shift.ends_at:%a %d %b %H:%M}",
                    f"Breaks: {breaks}" if breaks else "No breaks",
                    *(f"Problem: {p}" for p in shift.problems),
                    "Click to edit",
                )
            )
            return _Placed(rect, shift, f"! {title}" if detail else title, detail, tip)
        draft = self.draft
        assert draft is not None
        core = shift_text(draft.staff_name, draft.starts_at, draft.ends_at)
        if draft.problems is None:
            title, detail = f"… {core}", "checking"
        elif draft.problems:
            title, detail = f"✕ {core}", "; ".join(draft.problems)
        else:
            title, detail = f"✓ {core}", "not saved yet"
        what = "Editing" if draft.replaces is not None else "New shift"
        placed = _Placed(rect, None, title, detail, "")
        return _Placed(rect, None, title, detail, f"{what}, not saved yet\n{placed.text}")

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if self.plan is None:
            painter.setPen(MUTED)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Reading the schedule…")
            return
        for lane, top, height in self._rows:
            self._paint_lane(painter, lane, top, height)
        self._paint_axis(painter)
        self._paint_now(painter)  # under the bars: it never hides their words
        for placed in self._placed:
            self._paint_bar(painter, placed)
        painter.end()

    def _paint_axis(self, painter: QPainter) -> None:
        assert self.plan is not None
        first, last = self._hours
        bottom = self._total_height()
        painter.setPen(MUTED)
        font = QFont(self.font())
        font.setPixelSize(13)
        painter.setFont(font)
        for hour in range(first, last + 1):
            moment = self.plan.starts_at + timedelta(hours=hour)
            x = self.x_of(moment)
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(x, AXIS_HEIGHT - 6), QPointF(x, bottom))
            if hour < last:
                painter.setPen(MUTED)
                label = f"{moment.astimezone(self.plan.zone):%H:%M}"
                painter.drawText(QRectF(x + 3, 0, 60, AXIS_HEIGHT - 4), _LEFT_MIDDLE, label)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(0, AXIS_HEIGHT), QPointF(self.width(), AXIS_HEIGHT))

    def _paint_lane(self, painter: QPainter, lane: Lane, top: float, height: float) -> None:
        area = QRectF(LABEL_WIDTH, top, self.width() - LABEL_WIDTH, height)
        if lane.open:
            painter.fillRect(area, QBrush(CLOSED_HATCH, Qt.BrushStyle.BDiagPattern))
            for start, end in lane.open:
                left, right = self.x_of(start), self.x_of(end)
                painter.fillRect(QRectF(left, top, right - left, height), OPEN_FILL)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(0, top + height), QPointF(self.width(), top + height))
        # The label column: the station, and its hours in words.
        painter.fillRect(QRectF(0, top, LABEL_WIDTH - 6, height), QColor("#f7f1ea"))
        name_font = QFont(self.font())
        name_font.setPixelSize(15)
        name_font.setBold(True)
        small = QFont(self.font())
        small.setPixelSize(12)
        painter.setFont(name_font)
        painter.setPen(INK)
        name = QFontMetrics(name_font).elidedText(
            lane.label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 24
        )
        painter.drawText(QRectF(12, top + 6, LABEL_WIDTH - 20, 22), _LEFT_MIDDLE, name)
        painter.setFont(small)
        painter.setPen(OPEN_INK if lane.open else MUTED)
        painter.drawText(QRectF(12, top + 28, LABEL_WIDTH - 20, 18), _LEFT_MIDDLE, _hours(lane))

    def _paint_bar(self, painter: QPainter, placed: _Placed) -> None:
        rect, shift = placed.rect, placed.shift
        if shift is None:
            self._paint_draft(painter, placed)
            return
        bad = bool(shift.problems)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PROBLEM_FILL if bad else BAR_FILL)
        painter.drawRoundedRect(rect, 6, 6)
        strip = QRectF(rect.left(), rect.bottom() - BREAK_STRIP, rect.width(), BREAK_STRIP)
        for brk in shift.breaks:
            self._paint_break(painter, strip, brk.starts_at, brk.ends_at, bad)
        if shift.id == self.selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#f2b705"), 3))
            painter.drawRoundedRect(rect.adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
        self._paint_text(painter, placed, BAR_TEXT)

    def _paint_draft(self, painter: QPainter, placed: _Placed) -> None:
        draft, rect = self.draft, placed.rect
        assert draft is not None
        bad = bool(draft.problems)
        painter.setBrush(DRAFT_BAD if bad else DRAFT_OK)
        painter.setPen(QPen(PROBLEM_FILL if bad else BAR_FILL, 2, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 6, 6)
        strip = QRectF(rect.left(), rect.bottom() - BREAK_STRIP, rect.width(), BREAK_STRIP)
        for start, end in draft.breaks:
            self._paint_break(painter, strip, start, end, bad)
        self._paint_text(painter, placed, PROBLEM_FILL if bad else INK)

    def _paint_break(
        self, painter: QPainter, strip: QRectF, start: datetime, end: datetime, bad: bool
    ) -> None:
        left, right = max(strip.left(), self.x_of(start)), min(strip.right(), self.x_of(end))
        if right <= left:
            return
        segment = QRectF(left, strip.top(), right - left, strip.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PROBLEM_BREAK if bad else BREAK_FILL)
        painter.drawRect(segment)
        font = QFont(self.font())
        font.setPixelSize(10)
        painter.setFont(font)
        painter.setPen(INK)
        if segment.width() >= 36:  # narrower ones say it in the tooltip and the table
            painter.drawText(segment, Qt.AlignmentFlag.AlignCenter, "break")

    def _paint_text(self, painter: QPainter, placed: _Placed, colour: QColor) -> None:
        """The title on the bar's first line, the reason (if any) on the second; both elided
        to the bar, whose tooltip has them whole."""
        rect = placed.rect
        left, width = rect.left() + 8, rect.width() - 12
        title_font = QFont(self.font())
        title_font.setPixelSize(14)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(colour)
        line = QRectF(left, rect.top() + 3, width, 18)
        painter.drawText(line, _LEFT_MIDDLE, _elided(title_font, placed.title, width))
        if placed.detail:
            detail_font = QFont(self.font())
            detail_font.setPixelSize(12)
            painter.setFont(detail_font)
            line = QRectF(left, rect.top() + 21, width, 15)
            painter.drawText(line, _LEFT_MIDDLE, _elided(detail_font, placed.detail, width))

    def _paint_now(self, painter: QPainter) -> None:
        plan, now = self.plan, self.now
        if plan is None or now is None or not plan.starts_at <= now < plan.ends_at:
            return
        first, last = self._hours
        if not first <= self._hour_of(now) <= last:
            return
        x = self.x_of(now)
        painter.setPen(QPen(NOW_LINE, 2))
        painter.drawLine(QPointF(x, AXIS_HEIGHT - 4), QPointF(x, self._total_height()))
        font = QFont(self.font())
        font.setPixelSize(12)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(x + 3, 0, 40, 14), _LEFT_MIDDLE, "now")

    # -- input ----------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.plan is None:
            return
        point = event.position()
        hit = self._hit(point)
        if hit is not None:
            if hit.shift is not None:
                self.shift_picked.emit(ShiftPicked(hit.shift.id))
            return
        for lane, top, height in self._rows:
            if top <= point.y() < top + height and point.x() >= LABEL_WIDTH:
                self.slot_picked.emit(SlotPicked(lane.station_id, self._time_at(point.x())))
                return

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        shape = (
            Qt.CursorShape.PointingHandCursor if hit and hit.shift else Qt.CursorShape.ArrowCursor
        )
        self.setCursor(shape)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self._hit(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), hit.tooltip, self)
            return True
        return super().event(event)

    def bar_rect(self, shift_id: int | None) -> QRectF | None:
        """Where a stored shift's bar is (None: the draft's)."""
        for placed in self._placed:
            if (placed.shift.id if placed.shift else None) == shift_id:
                return placed.rect
        return None

    def _hit(self, point: QPointF) -> _Placed | None:
        return next((p for p in reversed(self._placed) if p.rect.contains(point)), None)


_LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _hours(lane: Lane) -> str:
    if not lane.open:
        return "no opening hours set"
    return "open " + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in lane.open)


def _elided(font: QFont, text: str, width: float) -> str:
    return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, int(width))
