"""The customer ready board: ready orders as big "A042 Sam" tiles, newest first, in the event's
colours, readable from 5 m (tile text >= 64 px on a 1080p screen, scaled with the window).

Painted, not built from labels: every string goes through ``drawText``, which never reads rich
text (a customer called ``<b>Sam</b>`` shows those characters), and the sizes follow the window
rather than the app's stylesheet. It follows its replica's ``replica_changed`` like the queue:
an order made ready appears, one collected or cancelled leaves. When the sync loses the
organiser (``link_changed``), a line along the bottom says so and since when, with a mark and
words (not a colour): its tiles may be stale; it goes when the link is back. Used by
``expresso board`` (a display device's own replica, with the pairing form until paired) and as
a second window of a barista station (its replica: that station's orders).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from expresso_desktop.sync.board_queries import BoardReads, BoardView, concerns_board
from expresso_desktop.sync.events import LinkChanged, ReplicaChanged
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.barista.pair_box import PairBox
from expresso_desktop.ui.common.ops import OpRunner, SerialRead

EMPTY_TEXT = "Orders appear here when they are ready"
NOT_PAIRED_TEXT = "This station is not paired yet"
HEADLINE = "Ready for pickup"
FRAME_H = 1080  # sizes below are for a 1920x1080 screen, scaled with the window
TILE_PX, TITLE_PX, HEADLINE_PX, LINK_PX = 96, 60, 40, 34
SHRINK = 0.7  # a long name shrinks its tile's text this far (67 px at 1080p) before eliding
MAX_COLUMNS = 4
INK, PAPER = QColor("#111111"), QColor("#ffffff")


@dataclass(frozen=True, slots=True)
class BoardLayout:
    """Where things go on a board of one size: the header band, the tile grid, font sizes."""

    unit: float  # 1.0 on a 1920x1080 screen
    header_h: int
    footer_h: int  # the lost-link line's band (0 while the link is up)
    margin: int
    gap: int
    tile_px: int
    tile_w: int
    tile_h: int
    columns: int
    rows: int

    @classmethod
    def fit(cls, width: int, height: int, *, footer: bool = False) -> BoardLayout:
        """``footer``: room for the lost-link line along the bottom."""
        unit = max(0.25, min(width, height) / FRAME_H)  # the short side: portrait too
        margin, gap = round(40 * unit), round(28 * unit)
        header_h = round(150 * unit)
        footer_h = round(LINK_PX * 2 * unit) if footer else 0
        tile_px = round(TILE_PX * unit)
        tile_h = round(tile_px * 1.8)
        # "A042 Sam" is about 4.6 em wide; longer names shrink (SHRINK) to fit.
        min_w = round(tile_px * 5.2)
        inner_w = width - 2 * margin
        columns = max(1, min(MAX_COLUMNS, (inner_w + gap) // (min_w + gap)))
        tile_w = (inner_w - gap * (columns - 1)) // columns
        rows = max(1, (height - header_h - footer_h - 2 * margin + gap) // (tile_h + gap))
        return cls(unit, header_h, footer_h, margin, gap, tile_px, tile_w, tile_h, columns, rows)

    @property
    def min_px(self) -> int:
        """The smallest tile text: a long name's, shrunk to fit."""
        return round(self.tile_px * SHRINK)

    @property
    def capacity(self) -> int:
        return self.columns * self.rows

    def tile_rect(self, index: int) -> QRect:
        row, column = divmod(index, self.columns)
        x = self.margin + column * (self.tile_w + self.gap)
        y = self.header_h + self.margin + row * (self.tile_h + self.gap)
        return QRect(x, y, self.tile_w, self.tile_h)


class BoardCanvas(QWidget):
    """Paints one ``BoardView``: the header in the event's primary colour with its name, the
    tiles on its accent colour, or the empty state; while the link is lost (``link_lost``),
    the line saying so along the bottom. ``texts()`` is everything it paints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: BoardView | None = None
        self.empty_text = EMPTY_TEXT
        self.link_lost = False
        self.last_contact: datetime | None = None  # when the link was last up (None: never)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(480, 320)

    def show_view(self, view: BoardView) -> None:
        self.view = view
        self.update()

    def show_link(self, *, lost: bool, last_contact: datetime | None = None) -> None:
        self.link_lost, self.last_contact = lost, last_contact
        self.update()

    def layout_now(self) -> BoardLayout:
        return BoardLayout.fit(self.width(), self.height(), footer=self.link_lost)

    def shown_tiles(self) -> list[str]:
        """The tiles' texts as painted now, newest first (those that fit)."""
        view = self.view
        if view is None:
            return []
        room = self.layout_now().capacity
        fits = room if len(view.tiles) <= room and view.ready <= room else room - 1
        return [tile.text for tile in view.tiles[: max(0, fits)]]

    def more_text(self) -> str:
        view = self.view
        hidden = 0 if view is None else view.ready - len(self.shown_tiles())
        return f"+{hidden} more ready" if hidden > 0 else ""

    def title_text(self) -> str:
        return self.view.branding.event_name if self.view and self.view.branding.event_name else ""

    def headline_text(self) -> str:
        where = self.view.where if self.view else ""
        return f"{HEADLINE} · {where}" if where else HEADLINE

    def link_text(self) -> str:
        """The lost-link line ("" while the link is up)."""
        if not self.link_lost:
            return ""
        since = ""
        if self.last_contact is not None:
            since = f" since {self.last_contact.astimezone().strftime('%H:%M')}"
        return f"⚠ Not connected{since} — showing the last orders received"

    def texts(self) -> list[str]:
        tiles = self.shown_tiles()
        body = [*tiles, self.more_text()] if tiles else [self.empty_text]
        return [t for t in (self.title_text(), self.headline_text(), *body, self.link_text()) if t]

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        layout = self.layout_now()
        primary, accent = self._colours()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), accent)
        self._paint_header(painter, layout, primary)
        tiles = self.shown_tiles()
        if tiles:
            ink = readable_on(PAPER, primary)
            for index, text in enumerate(tiles):
                self._paint_tile(painter, layout, layout.tile_rect(index), text, primary, ink)
            if more := self.more_text():
                rect = layout.tile_rect(len(tiles))
                painter.setPen(readable_on(accent, primary))
                painter.setFont(_font(round(layout.tile_px * 0.55), bold=True))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, more)
        else:
            painter.setPen(readable_on(accent, primary))
            painter.setFont(_font(round(layout.tile_px * 0.6), bold=True))
            body = self.rect().adjusted(layout.margin, layout.header_h, -layout.margin, 0)
            painter.drawText(
                body, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text
            )
        if self.link_lost:
            self._paint_link(painter, layout, primary)
        painter.end()

    def _paint_link(self, painter: QPainter, layout: BoardLayout, primary: QColor) -> None:
        """The lost-link line: a thin band in the header's colour along the bottom, its words
        left-aligned (the mark and the words say it; the colour adds nothing needed)."""
        band = QRect(0, self.height() - layout.footer_h, self.width(), layout.footer_h)
        painter.fillRect(band, primary)
        font = _font(round(LINK_PX * layout.unit))
        painter.setFont(font)
        painter.setPen(readable_on(primary))
        text_band = band.adjusted(layout.margin, 0, -layout.margin, 0)
        shown = QFontMetrics(font).elidedText(
            self.link_text(), Qt.TextElideMode.ElideRight, text_band.width()
        )
        painter.drawText(
            text_band, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown
        )

    def _colours(self) -> tuple[QColor, QColor]:
        branding = self.view.branding if self.view else None
        primary = QColor(branding.primary_colour if branding else "#6f4e37")
        accent = QColor(branding.accent_colour if branding else "#f5e6d3")
        return (primary if primary.isValid() else QColor("#6f4e37")), (
            accent if accent.isValid() else QColor("#f5e6d3")
        )

    def _paint_header(self, painter: QPainter, layout: BoardLayout, primary: QColor) -> None:
        band = QRect(0, 0, self.width(), layout.header_h)
        painter.fillRect(band, primary)
        painter.setPen(readable_on(primary))
        text_band = band.adjusted(layout.margin, 0, -layout.margin, 0)
        headline_font = _font(round(HEADLINE_PX * layout.unit), bold=True)
        headline = self.headline_text()
        headline_w = min(_width(headline_font, headline), band.width() // 2)
        title_font = _font(round(TITLE_PX * layout.unit), bold=True)
        title_w = text_band.width() - headline_w - layout.gap
        painter.setFont(title_font)
        title = QFontMetrics(title_font).elidedText(
            self.title_text(), Qt.TextElideMode.ElideRight, max(0, title_w)
        )
        flags = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text_band, flags | Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(headline_font)
        headline = QFontMetrics(headline_font).elidedText(
            headline, Qt.TextElideMode.ElideRight, headline_w
        )
        painter.drawText(text_band, flags | Qt.AlignmentFlag.AlignRight, headline)

    @staticmethod
    def _paint_tile(
        painter: QPainter, layout: BoardLayout, rect: QRect, text: str, edge: QColor, ink: QColor
    ) -> None:
        radius = 18 * layout.unit
        border = max(2, round(6 * layout.unit))
        painter.setPen(QPen(edge, border))
        painter.setBrush(PAPER)
        half = border / 2
        painter.drawRoundedRect(QRectF(rect).adjusted(half, half, -half, -half), radius, radius)
        inner = rect.adjusted(round(24 * layout.unit), 0, -round(24 * layout.unit), 0)
        font = _font(layout.tile_px, bold=True)
        wide = _width(font, text)
        if wide > inner.width():  # a long name: smaller text first, then the name elided
            font = _font(max(layout.min_px, layout.tile_px * inner.width() // wide), bold=True)
        painter.setFont(font)
        painter.setPen(ink)
        shown = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, shown)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable_on(background: QColor, preferred: QColor | None = None) -> QColor:
    """``preferred`` when it reads on ``background`` (contrast >= 4.5:1), else black or white,
    whichever reads better."""
    if preferred is not None and contrast(preferred, background) >= 4.5:
        return preferred
    return INK if contrast(INK, background) >= contrast(PAPER, background) else PAPER


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def _width(font: QFont, text: str) -> int:
    """``text``'s width in ``font``, rounded up (elidedText cuts what is a fraction over)."""
    return math.ceil(QFontMetricsF(font).horizontalAdvance(text)) + 1


def _font(pixels: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, pixels))
    font.setBold(bold)
    return font


class BoardWindow(QWidget):
    """The board as a top-level window. With ``pair_box`` (``expresso board``), the pairing
    form shows until the replica is paired; F11 toggles full screen, Esc leaves it."""

    def __init__(
        self,
        *,
        reads: BoardReads,
        ops: OpRunner,
        signals: SyncSignals,
        pair_box: PairBox | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Ready board")
        self.resize(1280, 800)
        self.reads = reads
        self.canvas = BoardCanvas()
        self.pair_box = pair_box
        self.pages = QStackedWidget()
        self.pages.addWidget(self.canvas)
        if pair_box is not None:
            self.pages.addWidget(pair_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.serial: SerialRead[str, BoardView] = SerialRead(
            ops, lambda _keys: reads.view(), self._apply, label="Reading the ready board"
        )
        self.ops = ops
        signals.replica_changed.connect(self.on_replica_changed)
        signals.link_changed.connect(self.on_link_changed)
        self.refresh()

    def refresh(self) -> None:
        self.serial.want(None)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if concerns_board(changed):
            self.serial.want(None)

    def on_link_changed(self, change: LinkChanged) -> None:
        """Lost: the line, with when the organiser was last heard (read from the replica);
        back: the line goes at once."""
        if change.online:
            self.canvas.show_link(lost=False)
            return
        self.canvas.show_link(lost=True, last_contact=self.canvas.last_contact)
        self.ops.query(
            self.reads.last_contact,
            on_done=self._show_last_contact,
            label="When the board last heard the organiser",
        )

    def _show_last_contact(self, contact: datetime | None) -> None:
        if self.canvas.link_lost:  # not back meanwhile
            self.canvas.show_link(lost=True, last_contact=contact)

    def _apply(self, _keys: frozenset[str] | None, view: BoardView) -> None:
        if not view.paired and self.pair_box is not None:
            self.pages.setCurrentWidget(self.pair_box)
        else:
            self.pages.setCurrentWidget(self.canvas)
        self.canvas.empty_text = EMPTY_TEXT if view.paired else NOT_PAIRED_TEXT
        name = view.branding.event_name
        self.setWindowTitle(f"{name} — Ready board" if name else "Expresso — Ready board")
        self.canvas.show_view(view)

    def show_board(self, *, fullscreen: bool) -> None:
        if fullscreen:
            self.showFullScreen()
        else:
            self.show()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F11:
            self.show_board(fullscreen=not self.isFullScreen())
        elif event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        else:
            super().keyPressEvent(event)
