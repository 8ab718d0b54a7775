"""Cup labels: the order's number, the customer's first name and every drink with its milk and
each modifier (never cut short), painted with QPainter — onto the station's printer (Qt's print
support), a PDF file (tests, or a station without a printer), or an image (a preview).

Printed from a card's ⋯ menu, and on Start when the station's ``label_printing`` and
``auto_print`` settings are on (``AutoPrint``: the station's own Start taps only, once each)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QObject, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from expresso_desktop.errors import KnownError
from expresso_desktop.sync.card_actions import CardActions, CupLabel
from expresso_desktop.sync.events import Notice, ReplicaChanged
from expresso_desktop.sync.station_queries import own_settings
from expresso_desktop.ui.common.ops import OpFailed, OpRunner

LABEL_MM = QSizeF(62, 40)  # a common cup-label roll (62 mm wide)
PREVIEW = QSize(620, 400)  # the label at 10 px per mm


@dataclass(frozen=True, slots=True)
class LabelPrinted:
    """A label went to the printer (``where``: the printer's name or the PDF file)."""

    order_id: str
    number: str
    where: str


@dataclass(frozen=True, slots=True)
class _Row:
    text: str
    weight: float  # of the body's height
    bold: bool


def label_texts(label: CupLabel) -> list[str]:
    """Every string the label paints, in order (what a test or a reader checks)."""
    return [label.number, label.name, *(row.text for row in _body(label))]


def _body(label: CupLabel) -> list[_Row]:
    rows = []
    for line in label.lines:
        rows.append(_Row(f"{line.drink} · {line.milk}" if line.milk else line.drink, 1.0, True))
        if line.modifiers:
            rows.append(_Row(", ".join(line.modifiers).upper(), 0.9, True))
    return rows


def paint_label(painter: QPainter, rect: QRectF, label: CupLabel) -> list[str]:
    """Paint ``label`` into ``rect`` (device pixels); returns what was painted. Black on white:
    label printers are thermal and print no colour."""
    painter.save()
    painter.fillRect(rect, QColor("white"))
    painter.setPen(QColor("black"))
    pad = rect.height() * 0.05
    inner = rect.adjusted(pad, pad, -pad, -pad)
    header = QRectF(inner.left(), inner.top(), inner.width(), inner.height() * 0.3)
    _text(painter, header, label.number, header.height() * 0.8, bold=True, align=_LEFT)
    _text(painter, header, label.name, header.height() * 0.62, bold=False, align=_RIGHT)
    top = header.bottom() + pad * 0.5
    painter.drawLine(int(inner.left()), int(top), int(inner.right()), int(top))
    rows = _body(label)
    space = inner.bottom() - top - pad * 0.5
    total = sum(row.weight for row in rows) or 1.0
    unit = min(space / total, header.height() * 0.55)  # a single drink does not shout
    y = top + pad * 0.5
    for row in rows:
        height = unit * row.weight
        box = QRectF(inner.left(), y, inner.width(), height)
        _text(painter, box, row.text, height * 0.72, bold=row.bold, align=_LEFT)
        y += height
    painter.restore()
    return label_texts(label)


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _text(
    painter: QPainter, box: QRectF, text: str, px: float, *, bold: bool, align: Qt.AlignmentFlag
) -> None:
    """``text`` in ``box``, shrunk until it fits on one line (a modifier is never elided)."""
    font = QFont("DejaVu Sans")
    font.setBold(bold)
    size = max(4, int(px))
    font.setPixelSize(size)
    painter.setFont(font)
    while size > 4 and painter.fontMetrics().horizontalAdvance(text) > box.width():
        size -= 1
        font.setPixelSize(size)
        painter.setFont(font)
    painter.drawText(box, int(align), text)


def label_image(label: CupLabel, size: QSize = PREVIEW) -> tuple[QImage, list[str]]:
    """The label as an image (a preview, a test), with what was painted on it."""
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    try:
        painted = paint_label(painter, QRectF(0, 0, size.width(), size.height()), label)
    finally:
        painter.end()
    return image, painted


def label_printer(pdf: Path | None = None) -> QPrinter:
    """A printer set to one label per page: the system's default printer, or a PDF file."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if pdf is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf))
    elif QPrinterInfo.defaultPrinter().isNull():
        raise KnownError("no printer is set up on this computer: labels cannot print")
    printer.setPageLayout(
        QPageLayout(
            QPageSize(LABEL_MM, QPageSize.Unit.Millimeter, "Cup label"),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    printer.setFullPage(True)
    return printer


def print_label(label: CupLabel, printer: QPrinter) -> list[str]:
    """One page: the label. Returns what was painted."""
    painter = QPainter()
    if not painter.begin(printer):
        raise KnownError(f"the printer {printer.printerName() or ''} could not start".strip())
    try:
        rect = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
        return paint_label(painter, rect, label)
    finally:
        painter.end()


class LabelPrinter(QObject):
    """Prints an order's label: reads it off the GUI thread, paints it on the GUI thread.

    Signals:
        printed(LabelPrinted) — a label went to the printer
    """

    printed = Signal(LabelPrinted)

    def __init__(
        self,
        actions: CardActions,
        ops: OpRunner,
        *,
        printer: Callable[[], QPrinter] = label_printer,
        on_notice: Callable[[Notice], None] | None = None,
    ) -> None:
        super().__init__()
        self._actions, self._ops, self._printer = actions, ops, printer
        self._notice = on_notice or (lambda _notice: None)

    def print_order(self, order_id: str) -> None:
        actions = self._actions
        self._ops.query(
            lambda: actions.label(order_id),
            on_done=lambda label: self._print(order_id, label),
            on_error=self._failed,
            label="Read the label",
        )

    def _print(self, order_id: str, label: CupLabel) -> None:
        try:
            printer = self._printer()
            print_label(label, printer)
        except KnownError as exc:
            self._notice(Notice("label", f"Label for {label.number} not printed: {exc}"))
            return
        where = printer.outputFileName() or printer.printerName()
        self.printed.emit(LabelPrinted(order_id, label.number, where))

    def _failed(self, failure: OpFailed) -> None:
        self._notice(Notice("label", f"Label not printed: {failure.text}"))


class AutoPrint(QObject):
    """A label on Start, when this station's ``label_printing`` and ``auto_print`` are on: the
    orders a round or a tap names that this station has started (its own ``order.start`` in
    the outbox), each once. Follows ``replica_changed`` (taps emit it too)."""

    def __init__(self, actions: CardActions, ops: OpRunner, printer: LabelPrinter) -> None:
        super().__init__()
        self._actions, self._ops, self._printer = actions, ops, printer
        self.printed_ids: set[str] = set()  # each order's label once (this run)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if not changed.order_ids:
            return
        actions, ids = self._actions, changed.order_ids - self.printed_ids
        if not ids:
            return
        self._ops.query(
            lambda: _to_print(actions, ids), on_done=self._print, label="Labels to print"
        )

    def _print(self, order_ids: list[str]) -> None:
        for order_id in order_ids:
            if order_id not in self.printed_ids:
                self.printed_ids.add(order_id)
                self._printer.print_order(order_id)


def _to_print(actions: CardActions, ids: frozenset[str]) -> list[str]:
    settings = own_settings(actions.replica)
    if not (settings["label_printing"] and settings["auto_print"]):
        return []
    return actions.started_here(ids)
