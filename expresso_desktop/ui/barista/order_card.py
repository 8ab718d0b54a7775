"""Paints an order as a large touch card, and turns a tap on its buttons into signals.

A card is laid out once per order version and width (``CardLayout``: every text, chip and
button rectangle, measured with the card's fonts) and painted from that: painting runs no
query and measures nothing but the age. Nothing a barista must read is elided: drink lines,
milk chips and modifier chips wrap onto more lines and the card grows to fit.

Status is never colour alone: the age carries "!" / "!!" as well as amber / red, the lane its
mark and word (○ New, ◐ Making, ● Ready), each milk chip the milk's word on its colour.
With the station's high-contrast theme on, cards are painted white on black (``Palette``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from expresso_desktop.core.orders import Action, OrderStatus, status_label
from expresso_desktop.sync.station_service import StationOrder
from expresso_desktop.ui.barista.queue_model import ORDER_ROLE

GRID_CARD_WIDTH = 340
MARGIN = 6  # around a card, inside its cell
PAD = 14  # inside a card
GAP = 6  # between chips, and between rows of chips
BUTTON_H = 56  # the big action button (station targets: 56–64 px)
AGE_MIN_PX = 14  # the age pill shrinks this far to stay beside the number
PICTURES_KEPT = 120  # painted cards kept (a screenful several times over)
BUTTON_LABELS = {Action.START: "Start", Action.READY: "Done", Action.COLLECT: "Collected"}
LANE_MARKS = {OrderStatus.NEW: "○", OrderStatus.IN_PROGRESS: "◐", OrderStatus.READY: "●"}
KEY_HINT_PX = 26


@dataclass(frozen=True, slots=True)
class Palette:
    """A card's colours: (fill, ink) pairs where text sits on a fill."""

    card: QColor
    edge: QColor  # the card's outline
    edge_px: int
    chip_edge: QColor  # the outline of milk chips, the "⋯" button (every chip: ``chip_edges``)
    ink: QColor
    muted: QColor
    selected: QColor  # the ring round the selected card
    batch: QColor  # the fill of a card picked for a batch
    key: QColor  # the key hint's fill
    more: tuple[QColor, QColor]
    buttons: dict[Action, tuple[QColor, QColor]]
    modifier: tuple[QColor, QColor]
    badges: dict[str, tuple[QColor, QColor]]
    amber: tuple[QColor, QColor]
    red: tuple[QColor, QColor]
    ready: tuple[QColor, QColor]
    chip_edges: bool


def _pair(fill: str, ink: str) -> tuple[QColor, QColor]:
    return QColor(fill), QColor(ink)


LIGHT = Palette(
    card=QColor("#ffffff"),
    edge=QColor("#d8c8b8"),
    edge_px=1,
    chip_edge=QColor("#8a7565"),
    ink=QColor("#2b1d14"),
    muted=QColor("#5e4637"),
    selected=QColor("#1f5f9e"),
    batch=QColor("#e3eefb"),
    key=QColor("#efe6dc"),
    more=_pair("#efe6dc", "#2b1d14"),
    buttons={
        Action.START: _pair("#1f5f9e", "#ffffff"),
        Action.READY: _pair("#1e6b41", "#ffffff"),
        Action.COLLECT: _pair("#6b3f24", "#ffffff"),
    },
    modifier=_pair("#2b1d14", "#ffffff"),
    badges={
        "vip": _pair("#ffd66b", "#7a4f00"),
        "group": _pair("#5a3d8a", "#ffffff"),
        "walk_in": _pair("#3b5b6b", "#ffffff"),
    },
    amber=_pair("#f2b233", "#2b1d14"),
    red=_pair("#b3261e", "#ffffff"),
    ready=_pair("#dff0e5", "#1e4d31"),
    chip_edges=False,
)
# White on black, yellow for what needs a look (as theme-high-contrast.qss): every text on its
# fill at 15:1 or better, the big button white so it reads as the one to press.
HIGH_CONTRAST = Palette(
    card=QColor("#000000"),
    edge=QColor("#ffffff"),
    edge_px=2,
    chip_edge=QColor("#ffffff"),
    ink=QColor("#ffffff"),
    muted=QColor("#ffffff"),
    selected=QColor("#ffd400"),
    batch=QColor("#1a1a1a"),
    key=QColor("#000000"),
    more=_pair("#000000", "#ffffff"),
    buttons={action: _pair("#ffffff", "#000000") for action in BUTTON_LABELS},
    modifier=_pair("#ffffff", "#000000"),
    badges={
        "vip": _pair("#ffd400", "#000000"),
        "group": _pair("#000000", "#ffffff"),
        "walk_in": _pair("#000000", "#ffffff"),
    },
    amber=_pair("#ffd400", "#000000"),
    red=_pair("#ff8080", "#000000"),
    ready=_pair("#7dffa0", "#000000"),
    chip_edges=True,
)


def lane_text(status: OrderStatus) -> str:
    return f"{LANE_MARKS.get(status, '')} {status_label(status.value)}".strip()


@dataclass(frozen=True, slots=True)
class CardTapped:
    """A card's big button was pressed: do ``action`` to ``order`` (as it was shown)."""

    order: StationOrder
    action: Action


@dataclass(frozen=True, slots=True)
class CardMore:
    """A card's "⋯" was pressed: its menu for ``order``, opened at ``at`` (global pixels)."""

    order: StationOrder
    at: QPoint


@dataclass(frozen=True, slots=True)
class CardPicked:
    """A card was tapped outside its buttons: select it."""

    order: StationOrder


@dataclass(frozen=True, slots=True)
class Chip:
    kind: str  # "milk" | "modifier" | "badge"
    text: str
    rect: QRect  # in card coordinates
    fill: QColor
    ink: QColor


@dataclass(frozen=True, slots=True)
class CardLayout:
    """Where everything on one card goes (card coordinates, 0,0 = its top-left corner)."""

    width: int
    height: int
    name: str
    name_rect: QRect
    lines: tuple[tuple[str, QRect], ...]
    chips: tuple[Chip, ...]
    notes: tuple[str, QRect] | None
    button: QRect
    more: QRect
    cell: QSize  # the view's cell: the card and its margin

    def chip_texts(self, kind: str | None = None) -> list[str]:
        return [c.text for c in self.chips if kind is None or c.kind == kind]


def _font(pixels: int, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    font.setItalic(italic)
    return font


class Fonts:
    """The card's type scale (pixels), measured once."""

    def __init__(self, scale: float = 1.0) -> None:
        def px(size: int) -> int:
            return round(size * scale)

        self.number = _font(px(34), bold=True)
        self.age = _font(px(20), bold=True)
        self.name = _font(px(22), bold=True)
        self.lane = _font(px(15), bold=True)
        self.line = _font(px(20), bold=True)
        self.chip = _font(px(17), bold=True)
        self.badge = _font(px(15), bold=True)
        self.notes = _font(px(17), italic=True)
        self.button = _font(px(22), bold=True)
        self.key = _font(px(14), bold=True)
        self.metrics = {
            id(f): QFontMetrics(f)
            for f in (self.number, self.name, self.line, self.chip, self.badge, self.notes)
        }

    def measure(self, font: QFont) -> QFontMetrics:
        return self.metrics[id(font)]


def ink_on(fill: QColor) -> QColor:
    """Dark or white text, whichever reads on ``fill`` (WCAG relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = (
        0.2126 * channel(fill.redF())
        + 0.7152 * channel(fill.greenF())
        + 0.0722 * channel(fill.blueF())
    )
    return QColor("#1a120c") if lum > 0.18 else QColor("#ffffff")


def lay_out(
    order: StationOrder,
    width: int,
    fonts: Fonts,
    colours: Mapping[str, str],
    palette: Palette = LIGHT,
) -> CardLayout:
    """Measure ``order``'s card at ``width``: rows of text and chips, wrapped, never elided."""
    inner = width - 2 * PAD
    y = PAD
    number_h = fonts.measure(fonts.number).height()
    y += number_h + 2
    name_fm = fonts.measure(fonts.name)
    name = name_fm.elidedText(order.first_name or "walk-in", Qt.TextElideMode.ElideRight, inner)
    name_rect = QRect(PAD, y, inner, name_fm.height())
    y += name_fm.height() + GAP

    chips: list[Chip] = []
    flow = _Flow(PAD, inner, y)
    badge_fm = fonts.measure(fonts.badge)
    for kind, text in _badges(order):
        badge_fill, badge_ink = palette.badges[kind]
        place = flow.place(_chip_size(badge_fm, text))
        chips.append(Chip("badge", text, place, badge_fill, badge_ink))
    y = flow.end() + (GAP if chips else 0)

    lines: list[tuple[str, QRect]] = []
    line_fm, chip_fm = fonts.measure(fonts.line), fonts.measure(fonts.chip)
    for line in order.lines:
        flow = _Flow(PAD, inner, y)
        for word in _words(line.text, line_fm, inner):
            lines.append(
                (word, flow.place(QSize(line_fm.horizontalAdvance(word), line_fm.height())))
            )
        if line.milk:
            fill = QColor(colours.get(line.milk, "#ffffff"))
            place = flow.place(_chip_size(chip_fm, line.milk))
            chips.append(Chip("milk", line.milk, place, fill, ink_on(fill)))
        for modifier in line.modifiers:
            size = _chip_size(chip_fm, modifier)
            chips.append(Chip("modifier", modifier, flow.place(size), *palette.modifier))
        y = flow.end() + GAP

    notes = None
    if order.notes:
        notes_fm = fonts.measure(fonts.notes)
        bound = notes_fm.boundingRect(
            QRect(PAD, y, inner, 10_000), int(Qt.TextFlag.TextWordWrap), order.notes
        )
        notes = (order.notes, QRect(PAD, y, inner, bound.height()))
        y += bound.height() + GAP

    y += 4
    more = QRect(width - PAD - BUTTON_H, y, BUTTON_H, BUTTON_H)
    button = QRect(PAD, y, inner - BUTTON_H - GAP, BUTTON_H)
    height = y + BUTTON_H + PAD
    cell = QSize(width + 2 * MARGIN, height + 2 * MARGIN)
    return CardLayout(
        width, height, name, name_rect, tuple(lines), tuple(chips), notes, button, more, cell
    )


def _badges(order: StationOrder) -> list[tuple[str, str]]:
    out = []
    if order.vip:
        out.append(("vip", "★ VIP"))
    if order.group is not None:
        out.append(("group", f"GROUP {order.group.n}/{order.group.of}"))
    if order.walk_in:
        out.append(("walk_in", "WALK-IN"))
    return out


def _chip_size(fm: QFontMetrics, text: str) -> QSize:
    return QSize(fm.horizontalAdvance(text) + 20, fm.height() + 8)


def _words(text: str, fm: QFontMetrics, width: int) -> list[str]:
    """The line as pieces that each fit ``width``: whole if it fits, else word by word."""
    if fm.horizontalAdvance(text) <= width:
        return [text]
    return text.split()


class _Flow:
    """Places boxes left to right, wrapping to a new row when the next one does not fit."""

    def __init__(self, left: int, width: int, top: int) -> None:
        self.left, self.width, self.top = left, width, top
        self.x, self.row_h = left, 0

    def place(self, size: QSize) -> QRect:
        w = min(size.width(), self.width)
        if self.x > self.left and self.x + w > self.left + self.width:
            self.top += self.row_h + GAP
            self.x, self.row_h = self.left, 0
        rect = QRect(self.x, self.top, w, size.height())
        self.x += w + GAP
        self.row_h = max(self.row_h, size.height())
        return rect

    def end(self) -> int:
        return self.top + self.row_h


@dataclass(frozen=True, slots=True)
class AgeCue:
    text: str
    fill: QColor | None  # None: plain text, no pill
    ink: QColor
    short: str = ""  # where ``text`` does not fit beside the number ("" = the same)


def age_cue(
    order: StationOrder, now: datetime, amber_s: int, red_s: int, palette: Palette = LIGHT
) -> AgeCue:
    """ "7 min", "! 7 min" (amber), "!! 12 min" (red); a ready card: "ready 3 min" ("3 min"
    in a narrow card: its status line says Ready)."""
    ready_for = order.ready_for_s(now)
    if ready_for is not None:
        minutes = int(ready_for // 60)
        return AgeCue(f"ready {minutes} min", *palette.ready, f"{minutes} min")
    age = order.age_s(now)
    minutes = int(age // 60)
    if age >= red_s:
        return AgeCue(f"!! {minutes} min", *palette.red)
    if age >= amber_s:
        return AgeCue(f"! {minutes} min", *palette.amber)
    return AgeCue(f"{minutes} min", None, palette.muted)


@dataclass
class CardMarks:
    """What the window marks on cards: the keyboard's selection, the batch, the key hints."""

    selected: str | None = None
    batch: frozenset[str] = frozenset()
    key_of: Callable[[QModelIndex | QPersistentModelIndex], int | None] = lambda _index: None


class CardDelegate(QStyledItemDelegate):
    """Signals:
    tapped(CardTapped) — the card's big button was pressed
    more(CardMore) — the card's "⋯" button was pressed
    picked(CardPicked) — the card was tapped elsewhere (select it)
    """

    tapped = Signal(CardTapped)
    more = Signal(CardMore)
    picked = Signal(CardPicked)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.now = datetime.now(UTC)
        self.width = GRID_CARD_WIDTH  # the shown view's card width (its board sets it)
        self.amber_s, self.red_s = 5 * 60, 10 * 60
        self.colours: Mapping[str, str] = {}
        self.palette = LIGHT
        self.marks = CardMarks()
        self.fonts = Fonts()
        self._layouts: dict[str, tuple[StationOrder, CardLayout]] = {}
        # Each card painted once per look into a picture, then copied: a repaint of the
        # unchanged cards around a tap costs a pixmap copy each, not their text. The key hint
        # is painted over the picture, so renumbering the first ten cards draws no card again.
        self._pictures: dict[str, tuple[tuple[Any, ...], QPixmap]] = {}
        self._keys: dict[tuple[int, float], QPixmap] = {}  # the ten key hints, each painted once

    def set_colours(self, colours: Mapping[str, str]) -> None:
        if dict(colours) != dict(self.colours):
            self.colours = dict(colours)
            self.forget(set())

    def set_high_contrast(self, on: bool) -> None:
        """White-on-black cards (the station's high-contrast theme); sizes unchanged."""
        palette = HIGH_CONTRAST if on else LIGHT
        if palette is not self.palette:
            self.palette = palette
            self.forget(set())

    def layout_for(self, order: StationOrder, width: int) -> CardLayout:
        """``order``'s card at ``width``, measured once per order version and width."""
        cached = self._layouts.get(order.id)
        if cached is not None and cached[0] is order and cached[1].width == width:
            return cached[1]
        layout = lay_out(order, width, self.fonts, self.colours, self.palette)
        self._layouts[order.id] = (order, layout)
        return layout

    def forget(self, keep: set[str]) -> None:
        """Drop the layouts of cards no longer shown (after a whole re-read)."""
        for key in [k for k in self._layouts if k not in keep]:
            del self._layouts[key]
            self._pictures.pop(key, None)
        if not keep:
            self._keys.clear()  # new fonts or colours

    def size_for(self, order: StationOrder) -> QSize:
        """The cell ``order``'s card needs at the shown view's card width."""
        return self.layout_for(order, self.width).cell

    def set_font_scale(self, scale: float) -> None:
        """The station's font scale (100–200 %): every card measured again."""
        self.fonts = Fonts(scale)
        self.forget(set())

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        order: StationOrder = index.data(ORDER_ROLE)
        layout = self.layout_for(order, self.width)
        selected = self.marks.selected == order.id
        in_batch = order.id in self.marks.batch
        key = self.marks.key_of(index)
        cue = age_cue(order, self.now, self.amber_s, self.red_s, self.palette)
        look = (order, layout, selected, in_batch, key is not None, cue)
        cached = self._pictures.pop(order.id, None)
        if cached is None or cached[0] != look:
            ratio = painter.device().devicePixelRatioF()
            picture = QPixmap(round(layout.width * ratio), round(layout.height * ratio))
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            card = QPainter(picture)
            self._draw(card, order, layout, look)
            card.end()
            cached = (look, picture)
        self._pictures[order.id] = cached  # most recently painted last
        if len(self._pictures) > PICTURES_KEPT:
            del self._pictures[next(iter(self._pictures))]
        top_left = option.rect.topLeft() + QPoint(MARGIN, MARGIN)
        painter.drawPixmap(top_left, cached[1])
        if key is not None:
            hint = self._key_rect()
            painter.drawPixmap(top_left + hint.topLeft(), self._key_picture(key, painter))

    def _draw(
        self, painter: QPainter, order: StationOrder, layout: CardLayout, look: tuple[Any, ...]
    ) -> None:
        """The whole card but its key number, once per look (data, width, marks, age text)."""
        _order, _layout, selected, in_batch, keyed, cue = look
        colours = self.palette
        card = QRect(0, 0, layout.width, layout.height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ring = QPen(colours.selected, 5) if selected else QPen(colours.edge, colours.edge_px)
        painter.setPen(ring)
        painter.setBrush(colours.batch if in_batch else colours.card)
        painter.drawRoundedRect(card.adjusted(2, 2, -2, -2), 12, 12)
        self._paint_top(painter, order, layout, keyed, in_batch, cue)
        for chip in layout.chips:
            outlined = chip.kind == "milk" or colours.chip_edges
            painter.setPen(QPen(colours.chip_edge, 1) if outlined else Qt.PenStyle.NoPen)
            painter.setBrush(chip.fill)
            painter.drawRoundedRect(chip.rect, 8, 8)
            painter.setPen(chip.ink)
            painter.setFont(self.fonts.chip if chip.kind != "badge" else self.fonts.badge)
            painter.drawText(chip.rect, Qt.AlignmentFlag.AlignCenter, chip.text)
        painter.setPen(colours.ink)
        painter.setFont(self.fonts.line)
        for text, rect in layout.lines:
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if layout.notes is not None:
            painter.setFont(self.fonts.notes)
            painter.setPen(colours.muted)
            painter.drawText(layout.notes[1], int(Qt.TextFlag.TextWordWrap), layout.notes[0])
        self._paint_buttons(painter, order, layout)

    def _key_rect(self) -> QRect:
        number_h = self.fonts.measure(self.fonts.number).height()
        return QRect(PAD, PAD + (number_h - KEY_HINT_PX) // 2, KEY_HINT_PX, KEY_HINT_PX)

    def _key_picture(self, key: int, on: QPainter) -> QPixmap:
        """The key that selects a card (bump bar: 1–9, 0 for the tenth), painted over its
        picture."""
        ratio = on.device().devicePixelRatioF()
        picture = self._keys.get((key, ratio))
        if picture is None:
            picture = QPixmap(round(KEY_HINT_PX * ratio), round(KEY_HINT_PX * ratio))
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            painter = QPainter(picture)
            self._paint_key(painter, key)
            painter.end()
            self._keys[(key, ratio)] = picture
        return picture

    def _paint_key(self, painter: QPainter, key: int) -> None:
        hint = QRect(0, 0, KEY_HINT_PX, KEY_HINT_PX)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outlined = self.palette.chip_edges
        painter.setPen(QPen(self.palette.chip_edge, 1) if outlined else Qt.PenStyle.NoPen)
        painter.setBrush(self.palette.key)
        painter.drawRoundedRect(QRectF(hint).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.setPen(self.palette.muted)
        painter.setFont(self.fonts.key)
        painter.drawText(hint, Qt.AlignmentFlag.AlignCenter, str(key % 10))

    def _paint_top(
        self,
        painter: QPainter,
        order: StationOrder,
        layout: CardLayout,
        keyed: bool,
        in_batch: bool,
        cue: AgeCue,
    ) -> None:
        x = PAD + (KEY_HINT_PX + 8 if keyed else 0)  # room for the key hint, painted over
        number_h = self.fonts.measure(self.fonts.number).height()
        number = ("✓ " if in_batch else "") + order.number
        number_w = self.fonts.measure(self.fonts.number).horizontalAdvance(number)
        right = layout.width - PAD
        self._paint_age(painter, cue, right, right - (x + number_w + GAP), number_h)
        ink = self.palette.ink
        painter.setPen(ink)  # after the age: nothing ever covers the number
        painter.setFont(self.fonts.number)
        number_rect = QRect(x, PAD, layout.width - x - PAD, number_h)
        painter.drawText(
            number_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, number
        )

        painter.setPen(ink)
        painter.setFont(self.fonts.name)
        painter.drawText(
            layout.name_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            layout.name,
        )
        painter.setPen(self.palette.muted)
        painter.setFont(self.fonts.lane)
        painter.drawText(
            layout.name_rect,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            lane_text(order.status),
        )

    def _paint_age(
        self, painter: QPainter, cue: AgeCue, right: int, room: int, number_h: int
    ) -> None:
        """The age pill ending at ``right``, in ``room`` px beside the number: its short text,
        then a smaller size, where the whole does not fit (a lane beside the side panels)."""
        font = QFont(self.fonts.age)
        fm = QFontMetrics(font)
        text = cue.text if fm.horizontalAdvance(cue.text) + 18 <= room else cue.short or cue.text
        while fm.horizontalAdvance(text) + 18 > room and font.pixelSize() > AGE_MIN_PX:
            font.setPixelSize(font.pixelSize() - 1)
            fm = QFontMetrics(font)
        painter.setFont(font)
        pill = QRect(0, 0, fm.horizontalAdvance(text) + 18, fm.height() + 8)
        pill.moveTopRight(QPoint(right, PAD + (number_h - pill.height()) // 2))
        if cue.fill is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(cue.fill)
            painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(cue.ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_buttons(self, painter: QPainter, order: StationOrder, layout: CardLayout) -> None:
        colours = self.palette
        action = order.next_action
        if action is not None:
            fill, ink = colours.buttons[action]
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(layout.button, 10, 10)
            painter.setPen(ink)
            painter.setFont(self.fonts.button)
            painter.drawText(layout.button, Qt.AlignmentFlag.AlignCenter, BUTTON_LABELS[action])
        more_fill, more_ink = colours.more
        painter.setPen(QPen(colours.chip_edge, colours.edge_px))
        painter.setBrush(more_fill)
        painter.drawRoundedRect(layout.more, 10, 10)
        painter.setPen(more_ink)
        painter.setFont(self.fonts.button)
        painter.drawText(layout.more, Qt.AlignmentFlag.AlignCenter, "⋯")

    def editorEvent(
        self,
        event: QEvent,
        model: object,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent):
            return False
        order: StationOrder = index.data(ORDER_ROLE)
        layout = self.layout_for(order, self.width)
        top_left = option.rect.topLeft() + QPoint(MARGIN, MARGIN)
        at = event.position().toPoint() - top_left
        action = order.next_action
        if action is not None and layout.button.contains(at):
            self.tapped.emit(CardTapped(order, action))
        elif layout.more.contains(at):
            self.more.emit(CardMore(order, event.globalPosition().toPoint()))
        else:
            self.picked.emit(CardPicked(order))
        return True
