"""The organiser's Reports screen: the event in figures (orders per hour, median make time per
station and per barista, popular drinks and milks, texts by outcome), the orders as a CSV file
with numbers masked, and **Purge customer data** after the event.

The report (``services.reports``) is read off the GUI thread, when the screen is first shown and
then as orders and texts change: a commit that touches them marks it stale, and a re-read
follows at most every ``REFRESH_MS`` (coalesced; none while the screen is hidden, one as it
shows). The export and the purge run through the op runner in a worker thread; their progress
crosses to the GUI thread as queued signals. The export can be cancelled (no file is left);
the purge goes in small writer batches, so the event keeps serving while it runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.export import ExportProgress, ExportResult
from expresso_desktop.services.purge import PurgeProgress, PurgeResult, purge_customer_data
from expresso_desktop.services.reports import EventReport, MakeTimes, ReportReader, Tally
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.bar_chart import Bar, BarChart

INITIATOR = "ui:reports"
REFRESH_MS = 2_000  # at most one re-read per two seconds while orders and texts change
NO_ORDERS = (
    "No orders yet. They appear here as customers text in — try the Messages screen's test "
    "phone, or start with the demo event."
)
PURGE_GOES = (
    "Goes: every customer's phone number, name and usual order, and what every text said "
    "(the bodies; the numbers on texts are masked). Texts still waiting are not sent."
)
PURGE_STAYS = (
    "Stays: the orders (numbers, drinks, first names, times) and every count on this screen."
)


HEADER_TIPS = (
    "",
    "Orders made (their Done stands)",
    "Drinks in those orders",
    "Median time from Start (or the order arriving) to Done",
)


@dataclass(frozen=True, slots=True)
class WorkProgress:
    """Long work's progress: ``task`` is "export" or "purge"; ``done`` of ``total`` rows."""

    task: str
    done: int
    total: int


class ProgressRelay(QObject):
    """Carries progress from the worker thread doing the work to the GUI thread (queued: the
    relay lives on the GUI thread). Signals: progressed(WorkProgress)."""

    progressed = Signal(WorkProgress)

    def export(self, progress: ExportProgress) -> None:
        self.progressed.emit(WorkProgress("export", progress.done, progress.total))

    def purge(self, progress: PurgeProgress) -> None:
        self.progressed.emit(WorkProgress("purge", progress.done, progress.total))


class MakeTimesModel(KeyedTableModel[MakeTimes]):
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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and row.median_make_s is None:
            return "Nothing made yet"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (row.name, str(row.orders_made), str(row.drinks_made), duration(row.median_make_s))[
            index.column()
        ]


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
    """The Reports screen (no signals of its own; ``relay`` carries the work's progress)."""

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
        self._ops, self._writer, self._reports = ops, writer, reports
        self.report: EventReport | None = None
        self.export_dialog: QFileDialog | None = None
        self.purge_dialog: QMessageBox | None = None
        self._cancel: threading.Event | None = None
        self._task: str | None = None  # the long work running ("export", "purge")
        self._stale = True
        self.relay = ProgressRelay(self)
        self.relay.progressed.connect(self._on_progress)
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
        self.stations_model = MakeTimesModel()
        self.stations_model.setParent(self)
        self.baristas_model = MakeTimesModel()
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
        layout.addWidget(self._data_box())
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def _data_box(self) -> QGroupBox:
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Every order as a spreadsheet row; phone numbers masked")
        self.purge_button = QPushButton("Purge customer data…")
        self.purge_button.setObjectName("danger")
        self.held = plain_label("")
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m")
        self.progress.setTextVisible(True)
        self.progress_label = plain_label("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("secondary")
        self.work = QWidget()
        working = QHBoxLayout(self.work)
        working.setContentsMargins(0, 0, 0, 0)
        working.addWidget(self.progress_label)
        working.addWidget(self.progress, 1)
        working.addWidget(self.cancel_button)
        self.work.setVisible(False)
        self.outcome = plain_label("")  # what the last export or purge did, or why it failed
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setVisible(False)
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(
            plain_label("Every order as a CSV file, numbers masked.", object_name="subtitle"), 1
        )
        actions.addSpacing(16)
        actions.addWidget(self.purge_button)
        actions.addWidget(self.held, 1)
        self.export_button.clicked.connect(self.export_csv)
        self.purge_button.clicked.connect(self.confirm_purge)
        self.cancel_button.clicked.connect(self._cancel_export)
        return _box("Export and customer data", actions, self.work, self.outcome)

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
        self.hours_note.setText(f"Hour starting, {report.zone} time; the last 12 hours at most.")
        self.stations_model.show_rows(report.stations)
        self.baristas_model.show_rows(report.baristas)
        self.drinks_chart.set_bars(_bars(report.drinks))
        self.milks_chart.set_bars(_bars(report.milks, rename={"none": "no milk"}))
        self.texts_lines.setText(_texts(report))
        self.held.setText(_held(report))

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

    # -- export -------------------------------------------------------------------------------
    def export_csv(self) -> None:
        """Ask where (a dialog that is driven, not blocking), then write off the GUI thread."""
        dialog = QFileDialog(self, "Export orders as CSV")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter("CSV files (*.csv)")
        dialog.setDefaultSuffix("csv")
        # Qt's own dialog: the same on every desktop, and a test can fill it in.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog.setDirectory(folder)
        dialog.selectFile(f"orders-{datetime.now():%Y-%m-%d-%H%M}.csv")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        dialog.finished.connect(self._export_dialog_closed)
        self.export_dialog = dialog
        dialog.open()

    def _export_dialog_closed(self) -> None:
        self.export_dialog = None

    def export_to(self, path: Path) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        self._begin("export", "Exporting orders…", cancellable=True)
        reports, relay = self._reports, self.relay
        self._ops.query(
            lambda: reports.export_csv(path, progress=relay.export, cancel=cancel),
            on_done=self._exported,
            on_error=self._failed,
            on_finally=self._ended,
            label="Export CSV",
        )

    def _cancel_export(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.progress_label.setText("Cancelling…")

    def _exported(self, result: ExportResult) -> None:
        if result.cancelled:
            self._say("Export cancelled: no file was written.")
        else:
            self._say(f"✓ Saved {result.rows:,} orders to {result.path} (phone numbers masked).")

    # -- purge --------------------------------------------------------------------------------
    def confirm_purge(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Purge customer data")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("Purge customer data for good? This cannot be undone.")
        box.setInformativeText(
            f"{PURGE_GOES}\n\n{PURGE_STAYS}\n\nExport a CSV first if you need the orders."
        )
        purge = box.addButton("Purge", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep the data", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._purge_answered(box.clickedButton(), purge))
        self.purge_dialog = box
        box.open()

    def _purge_answered(self, clicked: QAbstractButton | None, purge: QAbstractButton) -> None:
        self.purge_dialog = None
        if clicked is purge:
            self.purge()

    def purge(self) -> None:
        self._begin("purge", "Purging…", cancellable=False)
        writer, relay = self._writer, self.relay
        self._ops.query(
            lambda: purge_customer_data(writer, progress=relay.purge, initiator=INITIATOR),
            on_done=self._purged,
            on_error=self._failed,
            on_finally=self._ended,
            label="Purge customer data",
        )

    def _purged(self, result: PurgeResult) -> None:
        kept = result.remaining
        orders = sum(kept.orders_by_status.values())
        texts = {d: sum(by.values()) for d, by in kept.messages_by_direction_status.items()}
        lines = [
            f"✓ Purged {result.customers_purged:,} customers' numbers and "
            f"{result.messages_purged:,} texts.",
            f"Kept for reports: {orders:,} orders, {sum(texts.values()):,} texts counted "
            f"({texts.get('in', 0):,} in, {texts.get('out', 0):,} out), "
            f"{kept.customers:,} customers without their numbers.",
        ]
        if result.removed_copies:
            lines.append(f"Removed {len(result.removed_copies)} copies from before upgrades.")
        self._say("\n".join(lines))
        self.refresh()

    def _say(self, text: str) -> None:
        self.outcome.setText(text)
        self.outcome.setVisible(bool(text))
        if text:
            self._reveal(self.outcome)

    def _reveal(self, widget: QWidget) -> None:
        """Scroll to a line that just appeared (on a small screen the box is at the bottom)."""
        QTimer.singleShot(0, self, lambda: self.scroll_area.ensureWidgetVisible(widget))

    # -- long work ----------------------------------------------------------------------------
    def _begin(self, task: str, text: str, *, cancellable: bool) -> None:
        self._task = task
        self._say("")
        self.progress_label.setText(text)
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.cancel_button.setVisible(cancellable)
        self.work.setVisible(True)
        self._reveal(self.work)
        self.export_button.setEnabled(False)
        self.purge_button.setEnabled(False)

    def _on_progress(self, progress: WorkProgress) -> None:
        if progress.task != self._task:
            return
        self.progress.setRange(0, max(progress.total, 1))
        self.progress.setValue(progress.done)

    def _failed(self, failure: OpFailed) -> None:
        self._say(f"⚠ {failure.title} failed: {failure.text}")

    def _ended(self) -> None:
        self._task = None
        self._cancel = None
        self.work.setVisible(False)
        self.export_button.setEnabled(True)
        self.purge_button.setEnabled(True)

    @property
    def busy(self) -> bool:
        """An export or purge is running (tests wait for it to end)."""
        return self._task is not None


def _box(title: str, *parts: QWidget | QHBoxLayout) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for part in parts:
        if isinstance(part, QHBoxLayout):
            layout.addLayout(part)
        else:
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
            f"Sent: {t.sent:,} (delivered {t.delivered:,})",
            f"Failed: {t.failed:,}",
            f"Not sent: {t.not_sent:,}",
            f"Waiting: {t.waiting:,}",
        )
    )


def _held(report: EventReport) -> str:
    if not (report.numbers_held or report.texts_held):
        return "No phone numbers or texts stored."
    return f"Stored: {report.numbers_held:,} phone numbers, {report.texts_held:,} texts."
