"""The organiser's Orders screen: the live order list with search and filters (status, station,
age) beside the selected order's detail (``order_detail.OrderDetailPane``).

The list holds the newest orders and follows the change feed: only the orders a commit touched
are re-read (off the GUI thread, through the op runner); filters work on the rows held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.orders import OrderStatus, status_label
from expresso_desktop.services.order_views import ORDERS_HELD, OrderReads, OrderRow
from expresso_desktop.services.text_settings import LiveTexts
from expresso_desktop.services.writer import Writer
from expresso_desktop.sms.message_log import MessageLog
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.orders_model import OrdersTableModel
from expresso_desktop.ui.common.text_delegate import TextOnlyDelegate
from expresso_desktop.ui.common.widgets import fit_columns, plain_label
from expresso_desktop.ui.organiser.order_detail import OrderDetailPane, OrderTools

ANY = ""
FIRST_PAGE = 100  # rows read first when the screen opens: a screenful, at once
SEARCH_PAUSE_MS = 300  # typing pauses this long before older orders are searched for
NOT_MADE = "not_made"
# (label, youngest, oldest) in minutes: how long ago the order came in.
AGES: tuple[tuple[str, int | None, int | None], ...] = (
    ("Any age", None, None),
    ("Under 10 min", None, 10),
    ("10–30 min", 10, 30),
    ("Over 30 min", 30, None),
)
EMPTY_TEXT = (
    "No orders yet. They appear here as customers text in — try the test phone on the "
    "Messages screen."
)


class OrdersFilter(QSortFilterProxyModel):
    """Which of the held orders show: words typed (number, name, drinks, station), a status,
    a station and an age band."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.words = ""
        self.status = ANY
        self.station_id: int | None = None
        self.age = AGES[0]

    def set_words(self, words: str) -> None:
        self.beginFilterChange()
        self.words = words.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str) -> None:
        self.beginFilterChange()
        self.status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_station(self, station_id: int | None) -> None:
        self.beginFilterChange()
        self.station_id = station_id
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_age(self, index: int) -> None:
        self.beginFilterChange()
        self.age = AGES[index]
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        assert isinstance(model, OrdersTableModel)
        return self.accepts(model.row_at(source_row), datetime.now(UTC))

    def accepts(self, row: OrderRow, now: datetime) -> bool:
        if self.status == NOT_MADE:
            if OrderStatus(row.status).rank >= OrderStatus.READY.rank:
                return False
        elif self.status and row.status != self.status:
            return False
        if self.station_id is not None and row.station_id != self.station_id:
            return False
        _, youngest, oldest = self.age
        age = now - row.created_at
        if youngest is not None and age < timedelta(minutes=youngest):
            return False
        if oldest is not None and age >= timedelta(minutes=oldest):
            return False
        if not self.words:
            return True
        text = " ".join((row.number, row.customer_name, row.summary, row.station)).lower()
        return all(word in text for word in self.words.split())


class OrdersScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: OrderReads,
        messages: MessageLog,
        texts: LiveTexts,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ordersScreen")
        self.model = OrdersTableModel(self)
        self.proxy = OrdersFilter(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(placeholderText="Search: number, name, drink, station…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_words)
        # The list holds the newest thousand; a search also asks the database for older ones.
        self._search_older = QTimer(self, singleShot=True, interval=SEARCH_PAUSE_MS)
        self._search_older.timeout.connect(self._find_older)
        self.search.textChanged.connect(lambda _text: self._search_older.start())
        self.status = QComboBox()
        self.status.addItem("Every status", ANY)
        self.status.addItem("Not made yet", NOT_MADE)
        for status in OrderStatus:
            self.status.addItem(status_label(status.value), status.value)
        self.status.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status(self.status.currentData())
        )
        self.station = QComboBox()
        self.station.addItem("Every station", None)
        self.station.currentIndexChanged.connect(
            lambda _i: self.proxy.set_station(self.station.currentData())
        )
        self.age = QComboBox()
        for label, _, _ in AGES:
            self.age.addItem(label)
        self.age.currentIndexChanged.connect(self.proxy.set_age)
        for box in (self.status, self.station, self.age):
            box.setMinimumHeight(48)
        self.search.setMinimumHeight(48)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setItemDelegate(TextOnlyDelegate(self.table))
        fit_columns(self.table, stretch=2)
        self.table.selectionModel().selectionChanged.connect(self._on_selected)
        self.count = plain_label(object_name="subtitle")
        self.empty = plain_label(EMPTY_TEXT, object_name="subtitle")
        self.detail = OrderDetailPane(OrderTools(ops, writer, reads, messages, texts, bridge))
        self._build_layout()
        self._ops, self._reads = ops, reads
        self.reads = SerialRead(ops, self._read, self._apply, label="Reading orders")
        self.reads.want(None)
        bridge.committed.connect(self._on_committed)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._show_count)
        # Ages are display only: repaint them each half minute; orders arrive by push.
        self._clock = QTimer(self, interval=30_000)
        self._clock.timeout.connect(self.model.touch_ages)
        self._clock.start()
        self._show_count()

    def _build_layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.status, 1)
        filters.addWidget(self.station, 1)
        filters.addWidget(self.age, 1)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addLayout(filters)
        column.addWidget(self.count)
        column.addWidget(self.empty)
        column.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Orders", object_name="title"))
        layout.addWidget(split, 1)

    def select_order(self, order_id: str) -> None:
        """Show ``order_id`` (from another screen): selected in the list if held and shown."""
        at = self.model.row_of(order_id)
        if at is not None:
            shown = self.proxy.mapFromSource(self.model.index(at, 0))
            if shown.isValid():
                self.table.selectRow(shown.row())
                return
        self.detail.show_order(order_id)

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            order_id = self.proxy.data(rows[0], OrdersTableModel.ID_ROLE)
            self.detail.show_order(str(order_id))

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.order_ids:
            self.reads.want(event.order_ids)

    def _read(self, ids: frozenset[str] | None) -> list[OrderRow]:
        # Everything starts with a screenful (shown at once); the rest follows (``_apply``).
        return self._reads.rows(ids, limit=FIRST_PAGE if ids is None else ORDERS_HELD)

    def _apply(self, ids: frozenset[str] | None, rows: list[OrderRow]) -> None:
        if ids is None:
            self.model.reset_rows(rows)
            if len(rows) == FIRST_PAGE:
                reads = self._reads
                self._ops.query(
                    lambda: reads.rows(limit=ORDERS_HELD),
                    on_done=self._apply_rest,
                    label="Reading orders",
                )
        else:
            self.model.upsert(rows)
        self._add_stations(rows)
        self._show_count()

    def _find_older(self) -> None:
        words = self.search.text().strip()
        if words and self.model.rowCount() >= ORDERS_HELD:  # some orders are not held
            reads = self._reads
            self._ops.query(
                lambda: reads.search(words), on_done=self._apply_rest, label="Searching orders"
            )

    def _apply_rest(self, rows: list[OrderRow]) -> None:
        self.model.upsert(rows, older=True)
        self._add_stations(rows)
        self._show_count()

    def _add_stations(self, rows: list[OrderRow]) -> None:
        """The station filter offers every station an order held is at."""
        known = {self.station.itemData(i) for i in range(self.station.count())}
        fresh = {r.station_id: r.station for r in rows if r.station_id not in known}
        for station_id, name in sorted(fresh.items(), key=lambda kv: kv[1]):
            if station_id is not None:
                self.station.addItem(name, station_id)

    def _show_count(self) -> None:
        held, shown = self.model.rowCount(), self.proxy.rowCount()
        self.empty.setVisible(held == 0)
        self.count.setText(f"Showing {shown} of {held} orders" if held else "")
