"""The organiser's Reports screen: the event in figures (orders per hour, median make time per
station and per barista, popular drinks and milks, texts by outcome), the orders as a CSV file
with numbers masked, and **Purge customer data** after the event.

The report (``services.reports``) is read off the GUI thread, when the screen is first shown and
then as orders and texts change: a commit that touches them marks it stale, and a re-read
follows at most every ``REFRESH_MS`` (coalesced; none while the screen is hidden, one as it
shows). The export and the purge are ``customer_data_box``'s.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.reports import (
    REPORT_HOURS,
    EventReport,
    MakeTimes,
    ReportReader,
    Tally,
)
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.cells_model import CellsTableModel
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.bar_chart import Bar, BarChart
from expresso_desktop.ui.organiser.customer_data_box import CustomerDataBox

REFRESH_MS = 2_000  # at most one re-read per two seconds while orders and texts change
NO_ORDERS = (
    "No orders yet. They appear here as customers text in — try the Messages screen's test "
    "phone, or start with the demo event."
)
HEADER_TIPS = (
    "",
    "Orders made (their Done stands)",
    "Drinks in those orders",
    "Median time from Start (or the order arriving) to Done",
)


class MakeTimesModel(CellsTableModel[MakeTimes]):
    """Stations in their order, people busiest first: figures change in place, and a new
    ranking (someone overtook) resets the rows."""

    HEADERS = ("Name", "Orders", "Drinks", "Median")

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return HEADER_TIPS[section]
        return super().headerData(section, orientation, role)

    def show_rows(self, rows: tuple[MakeTimes, ...]) -> None:
        if [r.id for r in rows] == [r.id for r in self._rows]:
            self.set_rows(rows)
        else:
            self.reset_rows(rows)

    def cells(self, row: MakeTimes) -> tuple[Any, ...]:
        return (row.name, str(row.orders_made), str(row.drinks_made), duration(row.median_make_s))

    def cell(self, row: MakeTimes, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and row.median_make_s is None:
            return "Nothing made yet"
        return super().cell(row, column, role)


def duration(seconds: float | None) -> str:
    """``None`` → "—"; 45 → "45 s"; 130 → "2 min 10 s"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"


class _Figure(QFrame):
    """One headline figure: a caption, the number, a line of detail."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("figure")
        self.caption = plain_label(caption, object_name="figureCaption")
        self.value = plain_label("…", object_name="figureValue")
        self.detail = plain_label("", object_name="subtitle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        for label in (self.caption, self.value, self.detail):
            layout.addWidget(label)

    def show_figure(self, value: str, detail: str) -> None:
        self.value.setText(value)
        self.detail.setText(detail)


class ReportsScreen(QWidget):
    """The Reports screen (no signals of its own); ``data`` is its export and purge box."""

    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reports: ReportReader,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reportsScreen")
        self.report: EventReport | None = None
        self._stale = True
        self.data = CustomerDataBox(ops, writer, reports)
        self._build()
        self._reads: SerialRead[str, EventReport] = SerialRead(
            ops, lambda _keys: reports.read(), self._apply, label="Reading the report"
        )
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(REFRESH_MS)
        self._coalesce.timeout.connect(self._refresh_due)
        bridge.committed.connect(self._on_committed)

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.as_of = plain_label("Reading…", object_name="subtitle")
        self.orders_figure = _Figure("Orders")
        self.drinks_figure = _Figure("Drinks made")
        self.make_figure = _Figure("Median make time")
        self.texts_figure = _Figure("Texts sent")
        figures = QHBoxLayout()
        figures.addWidget(self.orders_figure, 5)  # its line of detail is the longest
        for figure in (self.drinks_figure, self.make_figure, self.texts_figure):
            figures.addWidget(figure, 4)

        self.per_hour = BarChart(
            vertical=True, empty_text=NO_ORDERS, accessible_name="Orders per hour"
        )
        self.hours_note = plain_label("", object_name="subtitle")
        self.drinks_chart = BarChart(
            vertical=False, empty_text="No drinks ordered yet.", accessible_name="Popular drinks"
        )
        self.milks_chart = BarChart(
            vertical=False, empty_text="No milks poured yet.", accessible_name="Popular milks"
        )
        charts = QHBoxLayout()
        charts.addWidget(_box("Orders per hour", self.per_hour, self.hours_note), 3)
        charts.addWidget(_box("Popular drinks", self.drinks_chart), 2)
        charts.addWidget(_box("Popular milks", self.milks_chart), 2)

        # Parented: freed with the screen on the GUI thread, never by a collector elsewhere.
        self.stations_model = MakeTimesModel(self)
        self.stations_model.setParent(self)
        self.baristas_model = MakeTimesModel(self)
        self.baristas_model.setParent(self)
        self.stations_table = _table(self.stations_model, "Make time by station")
        self.baristas_table = _table(self.baristas_model, "Make time by barista")
        self.texts_lines = plain_label("")
        self.texts_lines.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.texts_lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tables = QHBoxLayout()
        tables.addWidget(_box("Make time by station", self.stations_table), 2)
        tables.addWidget(_box("Make time by barista", self.baristas_table), 2)
        tables.addWidget(_box("Texts", self.texts_lines), 1)

        heading = QHBoxLayout()
        heading.addWidget(plain_label("Reports", object_name="title"))
        heading.addSpacing(16)
        heading.addWidget(self.as_of, 1, Qt.AlignmentFlag.AlignBottom)
        content = QWidget()
        content.setObjectName("reportsContent")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 8, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(heading)
        layout.addLayout(figures)
        layout.addLayout(charts, 5)
        layout.addLayout(tables, 4)
        layout.addWidget(self.data)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    # -- the report ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        self._reads.want(None)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_committed(self, event: ChangesCommitted) -> None:
        if not (
            event.order_ids
            or event.messages_touched
            or event.station_ids
            or event.ids_of("staff_users")
            or event.ids_of("events")
        ):
            return
        self._stale = True
        if not self._coalesce.isActive():
            self._coalesce.start()

    def _refresh_due(self) -> None:
        if self.isVisible():
            self.refresh()

    def _apply(self, _keys: object, report: EventReport) -> None:
        self.report = report
        local = report.generated_at.astimezone()
        self.as_of.setText(f"{report.event_name} · figures as of {local:%H:%M:%S}")
        self._show_figures(report)
        self.per_hour.set_bars([Bar(b.label, b.orders) for b in report.per_hour])
        self.hours_note.setText(
            f"Hour starting, {report.zone} time; the last {REPORT_HOURS} hours at most."
        )
        self.stations_model.show_rows(report.stations)
        self.baristas_model.show_rows(report.baristas)
        self.drinks_chart.set_bars(_bars(report.drinks))
        self.milks_chart.set_bars(_bars(report.milks, rename={"none": "no milk"}))
        self.texts_lines.setText(_texts(report))
        self.data.show_held(report)

    def _show_figures(self, report: EventReport) -> None:
        made = report.status_count("ready") + report.status_count("collected")
        waiting = report.status_count("new") + report.status_count("in_progress")
        cancelled = report.status_count("cancelled")
        self.orders_figure.show_figure(
            f"{report.orders:,}", f"{made:,} made · {waiting:,} waiting · {cancelled:,} cancelled"
        )
        self.drinks_figure.show_figure(
            f"{report.drinks_made:,}", f"of {report.drinks_ordered:,} ordered"
        )
        self.make_figure.show_figure(duration(report.median_make_s), "per order, all stations")
        texts = report.texts
        self.texts_figure.show_figure(
            f"{texts.sent:,}", f"{texts.failed:,} failed · {texts.received:,} received"
        )


def _box(title: str, *parts: QWidget) -> QGroupBox:
    """A titled section; charts and tables take its spare height."""
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for part in parts:
        layout.addWidget(part, 1 if isinstance(part, BarChart | QTableView) else 0)
    return box


class _FigureTable(QTableView):
    """A short read-only table: its preferred height is a header and four rows, so the screen
    fits a laptop; more rows scroll."""

    ROWS = 4

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        rows = self.verticalHeader().defaultSectionSize() * self.ROWS
        return QSize(hint.width(), self.horizontalHeader().sizeHint().height() + rows + 4)


def _table(model: MakeTimesModel, name: str) -> QTableView:
    table = _FigureTable()
    table.setModel(model)
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def _bars(tallies: tuple[Tally, ...], rename: dict[str, str] | None = None) -> list[Bar]:
    names = rename or {}
    return [Bar(names.get(t.name, t.name), t.count) for t in tallies]


def _texts(report: EventReport) -> str:
    t = report.texts
    return "\n".join(
        (
            f"Received: {t.received:,}",
            f"Sent: {t.sent:,}",
            f"Delivered: {t.delivered:,}",
            f"Failed: {t.failed:,}",
            f"Not sent: {t.not_sent:,}",
            f"Waiting: {t.waiting:,}",
        )
    )
