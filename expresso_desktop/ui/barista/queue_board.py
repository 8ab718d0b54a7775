"""The queue on screen, as the barista chose: three lanes (○ New · ◐ Making · ● Ready, each
in queue order: VIPs to make first, then oldest) or one grid in queue order with the lane
named on each card. Both views share one model and one card delegate; only the one shown
is laid out. Cards are numbered for the keyboard: the first ten in visible order (lane by
lane) carry the key that selects them (1–9, 0)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QStackedWidget,
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
from expresso_desktop.ui.barista.queue_model import ORDER_ROLE, LaneFilter, QueueModel
from expresso_desktop.ui.common.widgets import plain_label

LANES = (OrderStatus.NEW, OrderStatus.IN_PROGRESS, OrderStatus.READY)
MIN_CARD_WIDTH = 240
KEYED = 10  # cards reachable by a digit key: 1–9, then 0


class CardView(QListView):
    """A list of cards that tells its board when its width changes (before re-laying out)."""

    def __init__(self, resized: Callable[[], None]) -> None:
        super().__init__()
        self._resized = resized

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._resized()
        super().resizeEvent(event)


def _card_view(resized: Callable[[], None], *, lane: bool) -> QListView:
    view = CardView(resized)
    view.setObjectName("laneView" if lane else "gridView")
    view.setViewMode(QListView.ViewMode.ListMode)
    view.setMovement(QListView.Movement.Static)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setUniformItemSizes(False)  # a card grows with its drinks, chips and notes
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window (bump bar)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if lane:
        view.setFlow(QListView.Flow.TopToBottom)
    else:
        view.setFlow(QListView.Flow.LeftToRight)
        view.setWrapping(True)
    return view


class QueueBoard(QStackedWidget):
    def __init__(self, model: QueueModel, delegate: CardDelegate) -> None:
        super().__init__()
        self.model, self.delegate = model, delegate
        model.sizer = delegate.size_for
        self.lanes = {status: LaneFilter(model, status) for status in LANES}
        self.lane_views: dict[OrderStatus, QListView] = {}
        self.lane_titles = {}
        lanes = QWidget()
        row = QHBoxLayout(lanes)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        for status, proxy in self.lanes.items():
            view = _card_view(self._fit, lane=True)
            view.setModel(proxy)
            view.setItemDelegate(delegate)
            title = plain_label(object_name="laneTitle")
            title.setWordWrap(False)
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(title)
            column.addWidget(view, 1)
            row.addLayout(column, 1)
            self.lane_views[status], self.lane_titles[status] = view, title
            for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset):
                signal.connect(self._count_lanes)  # and the key numbers of the lanes after
        self.grid = _card_view(self._fit, lane=False)
        self.grid.setItemDelegate(delegate)
        self.addWidget(lanes)
        self.addWidget(self.grid)
        self.layout_name: Layout = "lanes"
        delegate.marks.key_of = self.key_of
        self._count_lanes()

    def show_layout(self, layout: Layout) -> None:
        """Lanes or the grid. Only the views shown hold the orders: a hidden view with 2,000
        cards still laid every one out again on each new order."""
        self.layout_name = layout
        lanes = layout == "lanes"
        for status, view in self.lane_views.items():
            view.setModel(self.lanes[status] if lanes else None)
        self.grid.setModel(None if lanes else self.model)
        self.setCurrentIndex(0 if lanes else 1)
        self._fit()

    def _fit(self) -> None:
        """The card width of the view shown: a lane's fills it (the narrowest lane's, so no
        card is cut by a scroll bar); a grid's share a row out evenly."""
        if self.layout_name == "lanes":
            inside = min(v.viewport().width() for v in self.lane_views.values())
            width = inside - 2 * MARGIN - 2
        else:
            inside = self.grid.viewport().width() - self.grid.verticalScrollBar().sizeHint().width()
            columns = max(1, inside // (GRID_CARD_WIDTH + 2 * MARGIN))
            width = inside // columns - 2 * MARGIN - 1
        width = max(MIN_CARD_WIDTH, width)
        if width != self.delegate.width:
            self.delegate.width = width
            for view, _model in self._sections():
                view.scheduleDelayedItemsLayout()

    def _count_lanes(self) -> None:
        for status, title in self.lane_titles.items():
            title.setText(f"{lane_text(status)}  {self.lanes[status].rowCount()}")
        self.repaint_cards()

    # -- visible order (the keyboard's numbering) ----------------------------------------------
    def _sections(self) -> list[tuple[QListView, LaneFilter | QueueModel]]:
        if self.layout_name == "grid":
            return [(self.grid, self.model)]
        return [(self.lane_views[s], self.lanes[s]) for s in LANES]

    def at(self, position: int) -> StationOrder | None:
        """The card at ``position`` (0-based) in visible order."""
        for _view, model in self._sections():
            count = model.rowCount()
            if position < count:
                order: StationOrder = model.index(position, 0).data(ORDER_ROLE)
                return order
            position -= count
        return None

    def position_of(self, order_id: str) -> int | None:
        row = self.model.row_of(order_id)
        if row is None:
            return None
        source = self.model.index(row, 0)
        offset = 0
        for _view, model in self._sections():
            if isinstance(model, LaneFilter):
                mapped = model.mapFromSource(source)
                if mapped.isValid():
                    return offset + mapped.row()
            else:
                return row
            offset += model.rowCount()
        return None

    def count(self) -> int:
        return sum(model.rowCount() for _view, model in self._sections())

    def key_of(self, index: QModelIndex | QPersistentModelIndex) -> int | None:
        """The digit key that selects the card at ``index`` (None past the tenth)."""
        model = index.model()
        offset = 0
        if isinstance(model, LaneFilter):
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
        row = self.model.row_of(order_id)
        if row is None:
            return
        source = self.model.index(row, 0)
        for view, model in self._sections():
            index = model.mapFromSource(source) if isinstance(model, LaneFilter) else source
            if index.isValid():
                view.scrollTo(index)
                return

    def repaint_cards(self) -> None:
        for view, _model in self._sections():
            view.viewport().update()
