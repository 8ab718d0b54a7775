"""The Reports screen's "Export and customer data" box: the orders as a CSV file with numbers
masked (a file dialog, then written off the GUI thread, with progress and Cancel: no file is
left), and **Purge customer data** after the event (a confirm dialog saying what goes and what
stays, progress from the purge's own callback, then the counts that remain, shown in place).

Both run through the op runner in a worker thread; their progress crosses to the GUI thread as
queued signals. The purge goes in small writer batches, so the event keeps serving meanwhile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.export import ExportProgress, ExportResult
from expresso_desktop.services.purge import PurgeProgress, PurgeResult, purge_customer_data
from expresso_desktop.services.reports import EventReport, ReportReader
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label

INITIATOR = "ui:reports"
PURGE_GOES = (
    "Goes: every customer's phone number, name and usual order, and what every text said "
    "(the bodies; the numbers on texts are masked). Texts still waiting are not sent."
)
PURGE_STAYS = (
    "Stays: the orders (numbers, drinks, first names, times) and every count on this screen."
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


class CustomerDataBox(QGroupBox):
    """Export CSV… and Purge customer data… (no signals of its own; ``relay`` carries the
    work's progress)."""

    def __init__(
        self, ops: OpRunner, writer: Writer, reports: ReportReader, parent: QWidget | None = None
    ) -> None:
        super().__init__("Export and customer data", parent)
        self._ops, self._writer, self._reports = ops, writer, reports
        self.export_dialog: QFileDialog | None = None
        self.purge_dialog: QMessageBox | None = None
        self._cancel: threading.Event | None = None
        self._task: str | None = None  # the long work running ("export", "purge")
        self.relay = ProgressRelay(self)
        self.relay.progressed.connect(self._on_progress)

        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Every order as a spreadsheet row; phone numbers masked")
        self.purge_button = QPushButton("Purge customer data…")
        self.purge_button.setObjectName("danger")
        self.held = plain_label("Reading…")  # the customer data stored now
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m")
        self.progress_label = plain_label("")
        self.progress_label.setWordWrap(False)
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
        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addWidget(self.work)
        layout.addWidget(self.outcome)
        self.export_button.clicked.connect(self.export_csv)
        self.purge_button.clicked.connect(self.confirm_purge)
        self.cancel_button.clicked.connect(self._cancel_export)

    @property
    def busy(self) -> bool:
        """An export or purge is running (tests wait for it to end)."""
        return self._task is not None

    def show_held(self, report: EventReport) -> None:
        if not (report.numbers_held or report.texts_held):
            self.held.setText("No phone numbers or texts stored.")
        else:
            numbers = counted(report.numbers_held, "phone number")
            self.held.setText(f"Stored: {numbers}, {counted(report.texts_held, 'text')}.")

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
        documents = QStandardPaths.StandardLocation.DocumentsLocation
        folder = Path(QStandardPaths.writableLocation(documents))
        dialog.setDirectory(str(folder if folder.is_dir() else Path.home()))
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
            orders = counted(result.rows, "order")
            self._say(f"✓ Saved {orders} to {result.path} (phone numbers masked).")

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
        purge = QPushButton("Purge")
        purge.setObjectName("danger")  # named before the box polishes it
        box.addButton(purge, QMessageBox.ButtonRole.DestructiveRole)
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
            f"✓ Purged the numbers of {counted(result.customers_purged, 'customer')} and "
            f"{counted(result.messages_purged, 'text')}.",
            f"Kept for reports: {counted(orders, 'order')}, "
            f"{counted(sum(texts.values()), 'text')} counted "
            f"({texts.get('in', 0):,} in, {texts.get('out', 0):,} out), "
            f"{counted(kept.customers, 'customer')} without their numbers.",
        ]
        if result.removed_copies:
            lines.append(f"Removed {len(result.removed_copies)} copies from before upgrades.")
        self._say("\n".join(lines))

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

    def _say(self, text: str) -> None:
        self.outcome.setText(text)
        self.outcome.setVisible(bool(text))
        if text:
            self._reveal(self.outcome)

    def _reveal(self, widget: QWidget) -> None:
        """Scroll to a line that just appeared (on a small screen this box is at the bottom)."""
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is not None:
            scroller = area
            QTimer.singleShot(0, self, lambda: scroller.ensureWidgetVisible(widget))


def counted(n: int, noun: str) -> str:
    """``1 text``, ``2 texts``, ``1,204 orders``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
