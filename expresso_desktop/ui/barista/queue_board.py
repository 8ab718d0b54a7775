"""The queue on screen, as the barista chose: three lanes (○ New · ◐ Making · ● Ready, each
in queue order: VIPs to make first, then oldest) or one grid in queue order with the lane
named on each card. Both views share one card delegate; only the one shown holds its model.
Cards are numbered for the keyboard: the first ten in visible order (lane by lane) carry the
key that selects them (1–9, 0).

A ``CardView`` keeps the height of each of its cards (measured once per order version and
card width) and paints only the cards in sight: a new order is one height inserted and, when
it lands below the screen, no card painted at all; a tap moving a card on repaints its two
lanes from that card down. (``QListView`` laid every card of a lane out again, one Python
size hint each, on every row inserted or removed.)"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from itertools import accumulate

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
)
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QStackedWidget,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.sync.station_service import Layout, StationOrder
from expresso_desktop.ui.barista.order_card import (
    GRID_CARD_WIDTH,
    MARGIN,
    CardDelegate,
    lane_text,
)
from expresso_desktop.ui.barista.queue_model import LANES, LaneModel, OrderList, QueueModel
from expresso_desktop.ui.common.widgets import plain_label

MIN_CARD_WIDTH = 240
KEYED = 10  # cards reachable by a digit key: 1–9, then 0
SCROLL_STEP = 48


class CardView(QAbstractScrollArea):
    """The cards of one list of orders (a lane, top to bottom; or the whole queue as a grid,
    left to right in rows), painted by ``delegate`` in cells as tall as each card needs.
    It tells its board when its width changes (before measuring the cards again)."""

    def __init__(self, delegate: CardDelegate, resized: Callable[[], None], *, lane: bool) -> None:
        super().__init__()
        self.delegate, self._resized, self.lane = delegate, resized, lane
        self.setObjectName("laneView" if lane else "gridView")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window (bump bar)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalScrollBar().setSingleStep(SCROLL_STEP)
        self._model: OrderList | None = None
        self._heights: list[int] | None = []  # each card's cell; None: to measure again
        self._tops: list[int] | None = None  # each row's top, then the bottom; None: to sum

    # -- the model -----------------------------------------------------------------------------
    def model(self) -> OrderList | None:
        return self._model

    def setModel(self, model: OrderList | None) -> None:
        if model is self._model:
            return
        if self._model is not None:
            self._model.rowsInserted.disconnect(self._inserted)
            self._model.rowsRemoved.disconnect(self._removed)
            self._model.dataChanged.disconnect(self._data_changed)
            self._model.modelReset.disconnect(self.measure)
        self._model = model
        if model is not None:
            model.rowsInserted.connect(self._inserted)
            model.rowsRemoved.connect(self._removed)
            model.dataChanged.connect(self._data_changed)
            model.modelReset.connect(self.measure)
        self.measure()

    def measure(self) -> None:
        """Every card to be measured again (a new model, card width or type scale): once, at
        the next turn of the event loop (before the paint), if the view is shown."""
        if self._heights is not None:
            self._heights = None
            QCoreApplication.postEvent(self, QEvent(QEvent.Type.LayoutRequest))
        self._tops = None
        self.viewport().update()

    def _shown(self) -> bool:
        """On the window's current page (whether or not the window is on screen yet)."""
        return self.isVisibleTo(self.window())

    def _height(self, order: StationOrder) -> int:
        return self.delegate.size_for(order).height()

    def _tracked(self) -> tuple[list[int], OrderList] | None:
        """The heights and model to follow a change in, card by card; None while the cards
        are to be measured anyway, or the view is hidden (a whole queue arriving at start-up
        is measured once, at the width it is first shown at)."""
        if self._heights is not None and not self._shown():
            self.measure()
        if self._heights is None or self._model is None:
            return None
        return self._heights, self._model

    def _inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if (tracked := self._tracked()) is not None:
            heights, model = tracked
            heights[first:first] = [self._height(model.order_at(r)) for r in range(first, last + 1)]
            self._moved_from(first)

    def _removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        if (tracked := self._tracked()) is not None:
            del tracked[0][first : last + 1]
            self._moved_from(first)

    def _data_changed(
        self,
        top: QModelIndex | QPersistentModelIndex,
        bottom: QModelIndex | QPersistentModelIndex,
        _roles: list[int] | None = None,
    ) -> None:
        if (tracked := self._tracked()) is None:
            self.viewport().update()
            return
        heights, model = tracked
        first, last = top.row(), bottom.row()
        resized = False
        for row in range(first, last + 1):
            height = self._height(model.order_at(row))
            if height != heights[row]:
                heights[row], resized = height, True
        if resized:
            self._moved_from(first)
            return
        shown = self._rows_in(0, self.viewport().height())
        for row in range(max(first, shown.start), min(last + 1, shown.stop)):
            self.viewport().update(self.card_rect(row))

    def _moved_from(self, row: int) -> None:
        """The cards from ``row`` on moved: the scroll range follows, and the part of the
        screen from that card down is repainted (nothing, if it is below the screen)."""
        self._tops = None
        self._fit_scroll_range()
        tops = self._row_tops()
        top = tops[min(row // self._columns(), len(tops) - 1)] - self._scrolled()
        if top < self.viewport().height():
            width = self.viewport().width()
            self.viewport().update(QRect(0, max(0, top), width, self.viewport().height()))

    # -- geometry ------------------------------------------------------------------------------
    def _cell_width(self) -> int:
        return self.delegate.width + 2 * MARGIN

    def _columns(self) -> int:
        return 1 if self.lane else max(1, self.viewport().width() // self._cell_width())

    def _scrolled(self) -> int:
        return self.verticalScrollBar().value()

    def _measured(self) -> list[int]:
        if self._heights is None:
            model = self._model
            self._heights = [] if model is None else [self._height(o) for o in model.orders()]
            self._tops = None
            self._fit_scroll_range()
        return self._heights

    def _row_tops(self) -> list[int]:
        """The top of each row of cards (content pixels) and, last, the bottom of the last."""
        if self._tops is None:
            heights, columns = self._measured(), self._columns()
            rows = heights
            if columns > 1:
                rows = [max(heights[i : i + columns]) for i in range(0, len(heights), columns)]
            self._tops = [0, *accumulate(rows)]
        return self._tops

    def _fit_scroll_range(self) -> None:
        bar, shown = self.verticalScrollBar(), self.viewport().height()
        bottom = max(0, self._row_tops()[-1] - shown)
        if bar.maximum() != bottom:
            bar.setRange(0, bottom)
        if bar.pageStep() != shown:
            bar.setPageStep(shown)

    def _rows_in(self, top: int, bottom: int) -> range:
        """The cards (rows of the model) with any part between ``top`` and ``bottom``
        (viewport pixels)."""
        tops, columns, scrolled = self._row_tops(), self._columns(), self._scrolled()
        first = max(0, bisect.bisect_right(tops, top + scrolled) - 1)
        last = bisect.bisect_left(tops, bottom + scrolled)
        return range(first * columns, min(len(self._measured()), last * columns))

    def card_rect(self, row: int) -> QRect:
        """Where the card of ``row`` is (its cell, viewport pixels)."""
        heights, columns, width = self._measured(), self._columns(), self._cell_width()
        top = self._row_tops()[row // columns] - self._scrolled()
        return QRect((row % columns) * width, top, width, heights[row])

    def row_at(self, point: QPoint) -> int | None:
        """The card under ``point`` (viewport pixels), if any."""
        for row in self._rows_in(point.y(), point.y() + 1):
            if self.card_rect(row).contains(point):
                return row
        return None

    def scroll_to(self, row: int) -> None:
        rect, shown = self.card_rect(row), self.viewport().height()
        bar = self.verticalScrollBar()
        if rect.top() < 0 or rect.height() > shown:
            bar.setValue(bar.value() + rect.top())
        elif rect.bottom() >= shown:
            bar.setValue(bar.value() + rect.bottom() - shown + 1)

    # -- Qt ------------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and self._shown():
            self._measured()
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._resized()
        super().resizeEvent(event)
        self._tops = None  # the grid's columns may have changed
        if self._heights is not None:
            self._fit_scroll_range()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self._model
        if model is None:
            return
        area = event.rect()
        painter = QPainter(self.viewport())
        option = QStyleOptionViewItem()
        for row in self._rows_in(area.top(), area.bottom() + 1):
            option.rect = self.card_rect(row)
            self.delegate.paint(painter, option, model.index(row))
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().toPoint())
        if self._model is None or row is None:
            super().mouseReleaseEvent(event)
            return
        option = QStyleOptionViewItem()
        option.rect = self.card_rect(row)
        self.delegate.editorEvent(event, self._model, option, self._model.index(row))


class QueueBoard(QStackedWidget):
    def __init__(self, model: QueueModel, delegate: CardDelegate) -> None:
        super().__init__()
        self.model, self.delegate = model, delegate
        self.lanes: dict[OrderStatus, LaneModel] = model.lanes
        self.lane_views: dict[OrderStatus, CardView] = {}
        self.lane_titles = {}
        lanes = QWidget()
        row = QHBoxLayout(lanes)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        for status, lane in self.lanes.items():
            view = CardView(delegate, self._fit, lane=True)
            title = plain_label(object_name="laneTitle")
            title.setWordWrap(False)
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(title)
            column.addWidget(view, 1)
            row.addLayout(column, 1)
            self.lane_views[status], self.lane_titles[status] = view, title
            for signal in (lane.rowsInserted, lane.rowsRemoved, lane.modelReset):
                signal.connect(lambda *_, s=status: self._lane_counted(s))
            self._count(status)
        self.grid = CardView(delegate, self._fit, lane=False)
        self.addWidget(lanes)
        self.addWidget(self.grid)
        self.layout_name: Layout = "lanes"
        delegate.marks.key_of = self.key_of
        self.show_layout("lanes")

    def show_layout(self, layout: Layout) -> None:
        """Lanes or the grid. Only the views shown hold the orders: a hidden view would
        measure every card at its own width as it came."""
        self.layout_name = layout
        lanes = layout == "lanes"
        for status, view in self.lane_views.items():
            view.setModel(self.lanes[status] if lanes else None)
        self.grid.setModel(None if lanes else self.model)
        self.setCurrentIndex(0 if lanes else 1)
        self._fit()

    def _fit(self) -> None:
        """The card width of the view shown: a lane's fills it (the narrowest lane's); a
        grid's share a row out evenly. The room of a scroll bar is always kept, so a lane that
        fills up and shows its scroll bar does not have every card measured again."""
        bar = self.grid.verticalScrollBar().sizeHint().width()
        if self.layout_name == "lanes":
            inside = min(v.width() for v in self.lane_views.values()) - bar
            width = inside - 2 * MARGIN - 2
        else:
            inside = self.grid.width() - bar
            columns = max(1, inside // (GRID_CARD_WIDTH + 2 * MARGIN))
            width = inside // columns - 2 * MARGIN - 1
        width = max(MIN_CARD_WIDTH, width)
        if width != self.delegate.width:
            self.delegate.width = width
            self.measure()

    def measure(self) -> None:
        """The cards' size changed (their width, the type scale): measure them again."""
        for view, _model in self._sections():
            view.measure()

    def _count(self, status: OrderStatus) -> None:
        self.lane_titles[status].setText(f"{lane_text(status)}  {self.lanes[status].rowCount()}")

    def _lane_counted(self, status: OrderStatus) -> None:
        """A lane's count changed: its title; and the key numbers of the lanes after it, if
        they carry any (the cards before them number ten or fewer)."""
        self._count(status)
        if self.layout_name != "lanes":
            return
        place = LANES.index(status) + 1
        before = sum(self.lanes[s].rowCount() for s in LANES[:place])
        for lane in LANES[place:]:
            if before <= KEYED:
                self.lane_views[lane].viewport().update()
            before += self.lanes[lane].rowCount()

    # -- visible order (the keyboard's numbering) ----------------------------------------------
    def _sections(self) -> list[tuple[CardView, OrderList]]:
        if self.layout_name == "grid":
            return [(self.grid, self.model)]
        return [(self.lane_views[s], self.lanes[s]) for s in LANES]

    def at(self, position: int) -> StationOrder | None:
        """The card at ``position`` (0-based) in visible order."""
        for _view, model in self._sections():
            count = model.rowCount()
            if position < count:
                return model.order_at(position)
            position -= count
        return None

    def position_of(self, order_id: str) -> int | None:
        offset = 0
        for _view, model in self._sections():
            row = model.row_of(order_id)
            if row is not None:
                return offset + row
            offset += model.rowCount()
        return None

    def count(self) -> int:
        return sum(model.rowCount() for _view, model in self._sections())

    def key_of(self, index: QModelIndex | QPersistentModelIndex) -> int | None:
        """The digit key that selects the card at ``index`` (None past the tenth)."""
        model = index.model()
        offset = 0
        if isinstance(model, LaneModel):
            if self.layout_name == "grid":
                return None
            for status in LANES:
                if status is model.status:
                    break
                offset += self.lanes[status].rowCount()
        elif self.layout_name != "grid":
            return None
        position = offset + index.row()
        return position + 1 if position < KEYED else None

    def reveal(self, order_id: str) -> None:
        """Scroll the card into view."""
        for view, model in self._sections():
            row = model.row_of(order_id)
            if row is not None:
                view.scroll_to(row)
                return

    def repaint_cards(self) -> None:
        for view, _model in self._sections():
            view.viewport().update()
