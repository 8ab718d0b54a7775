"""The organiser's Inventory screen: pick a station (each listed with its warnings: "✕ 1 out ·
▲ 2 low"), see its stock items as bars (level against par, a tick at the low mark, OK / LOW /
OUT in words), and act on the selected item: restock (by default back to par), a physical count
(a new count generation: the organiser's reset), mark it out or back in, change its unit and
thresholds; or start tracking one of the menu's stock items.

Every action is ``services.stock_views`` (over the one stock rulebook, ``services.stock``) run
by the single writer. The screen follows the change feed: a drink made at a station, a
barista's restock or mark out arrive as ``stock_item_ids`` and re-read just those items, so a
bar drops as the drink is marked Done, without a refresh.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.menu import StockItemSpec
from expresso_desktop.services import stock_views
from expresso_desktop.services.pairing import StationChoice
from expresso_desktop.services.stock_views import ItemLimits, StockReads, StockRow
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ROW_HEIGHT, capital
from expresso_desktop.ui.organiser.form_parts import error_label
from expresso_desktop.ui.organiser.stock_bar import StockBarDelegate, StockTableModel
from expresso_desktop.ui.organiser.stock_item_panel import (
    INITIATOR,
    StockItemPanel,
    amount_box,
    secondary_button,
)

LEVEL_COLUMN_PX = 120  # the stock bar: wide enough to read against its low mark
NO_STATIONS = "No stations yet — add one on the Stations screen, then give it stock here."
NO_ITEMS = "{station} tracks no stock yet — add one from the menu's stock list with “Add an item”."
SCREEN_STYLE = """
QPushButton { min-height: 28px; }
QDoubleSpinBox, QComboBox { min-height: 36px; }
QLineEdit { min-height: 20px; }
QPushButton#secondary { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8; }
QPushButton#secondary:hover { background: #e6d9cb; }
QGroupBox { font-weight: 600; border: 1px solid #e4d8cb; border-radius: 10px; margin-top: 14px;
  padding: 14px 10px 8px 10px; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 12px; padding: 0 4px; color: #4a2c1a; }
QLabel#itemTitle { font-size: 18px; font-weight: 600; color: #4a2c1a; }
QListWidget#stations { background: #faf6f0; border: 1px solid #e4d8cb; border-radius: 8px; }
QListWidget#stations::item { padding: 6px 10px; border-bottom: 1px solid #eee4d9; }
QListWidget#stations::item:selected { background: #ffffff; color: #2b1d14;
  border-left: 4px solid #6b3f24; }
"""


class InventoryScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: StockReads,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setStyleSheet(SCREEN_STYLE)
        self._ops, self._writer, self._reads = ops, writer, reads
        self.station_id: int | None = None  # the station shown
        self._stations: list[StationChoice] = []
        self._menu_items: tuple[StockItemSpec, ...] = ()

        self.stations = QListWidget()
        self.stations.setObjectName("stations")
        self.stations.setAccessibleName("Stations")
        self.stations.setFixedWidth(180)
        self.stations.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model = StockTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(StockTableModel.STATION_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterRegularExpression(QRegularExpression("^$"))
        self.proxy.sort(0)
        self.table = self._table()
        self.empty = plain_label(NO_STATIONS, object_name="subtitle")

        middle = QVBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addWidget(self.empty)
        right = QVBoxLayout()
        self.item = StockItemPanel(ops, writer, self._applied)
        right.addWidget(self.item)
        right.addWidget(self._add_panel())
        right.addStretch(1)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setFixedWidth(340)  # "Record count" beside its amount and unit, unclipped
        right.setContentsMargins(0, 0, 0, 0)
        columns = QHBoxLayout()
        columns.addWidget(self.stations)
        columns.addLayout(middle, 1)
        columns.addWidget(right_widget)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Inventory", object_name="title"))
        layout.addWidget(
            plain_label(
                "Each station's stock against its par level; the tick is the low mark. Marking "
                "an item out sends drinks that need it to another station.",
                object_name="subtitle",
            )
        )
        layout.addLayout(columns, 1)

        self.item_reads: SerialRead[int, list[StockRow]] = SerialRead(
            ops, reads.items, self._apply_items, label="Reading stock"
        )
        self.station_reads: SerialRead[int, list[StationChoice]] = SerialRead(
            ops, lambda _keys: reads.stations(), self._apply_stations, label="Reading stations"
        )
        self.stations.currentItemChanged.connect(self._on_station)
        bridge.committed.connect(self._on_committed)
        self.station_reads.want(None)
        self.item_reads.want(None)
        self._read_menu()

    # -- layout -----------------------------------------------------------------------------------
    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setItemDelegateForColumn(1, StockBarDelegate(table))
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT + 8)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names elide, bars don't
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, LEVEL_COLUMN_PX)
        header.setStretchLastSection(False)
        table.clicked.connect(self._on_pick)
        table.activated.connect(self._on_pick)
        return table

    def _add_panel(self) -> QGroupBox:
        self.add_choice = QComboBox()
        self.add_choice.setAccessibleName("Item to add")
        self.add_level = amount_box("Amount on hand")
        self.add_unit = plain_label("")
        self.add_button = secondary_button("Add")
        self.add_error = error_label()
        for widget in (self.add_button, self.add_level):
            widget.setEnabled(False)  # until the menu's items are known
        self.add_box = QGroupBox("Add an item")
        level = QHBoxLayout()
        level.addWidget(QLabel("On hand"))
        level.addWidget(self.add_level, 1)
        level.addWidget(self.add_unit)
        level.addWidget(self.add_button)
        box = QVBoxLayout(self.add_box)
        box.addWidget(self.add_choice)
        box.addLayout(level)
        box.addWidget(self.add_error)
        self.add_choice.currentIndexChanged.connect(self._on_add_choice)
        self.add_button.clicked.connect(self.add_item)
        return self.add_box

    # -- reading ----------------------------------------------------------------------------------
    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.by(INITIATOR):
            return  # our own action: its result is already shown
        if event.stock_item_ids:
            self.item_reads.want(event.stock_item_ids)
        if event.station_ids:
            self.station_reads.want(None)
        if event.touches(("menu_configs",)):
            self._read_menu()

    def _read_menu(self) -> None:
        self._ops.query(self._reads.menu_items, on_done=self._apply_menu, label="Reading the menu")

    def _apply_menu(self, specs: tuple[StockItemSpec, ...]) -> None:
        self._menu_items = specs
        self._fill_addable()

    def _apply_stations(self, _keys: frozenset[int] | None, stations: list[StationChoice]) -> None:
        self._stations = stations
        wanted = [s.id for s in stations]
        shown = [
            self.stations.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.stations.count())
        ]
        if shown != wanted:
            keep = self.station_id
            self.stations.blockSignals(True)
            self.stations.clear()
            for station in stations:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, station.id)
                self.stations.addItem(item)
            self.stations.blockSignals(False)
            at = wanted.index(keep) if keep in wanted else (0 if wanted else -1)
            self.stations.setCurrentRow(at)
            if at < 0:
                self._on_station(None)
        self._label_stations()

    def _apply_items(self, ids: frozenset[int] | None, rows: list[StockRow]) -> None:
        if ids is None:
            self.model.set_rows(rows)
        else:
            fresh = {r.id: r for r in rows}
            current = [self.model.row_at(i) for i in range(self.model.rowCount())]
            kept = [fresh.pop(r.id, r) for r in current if r.id not in ids or r.id in fresh]
            self.model.set_rows([*kept, *fresh.values()])
        self._after_items()

    def _after_items(self) -> None:
        self._label_stations()
        self._fill_addable()
        self._show_empty()
        shown = self.item.row
        at = self.model.row_of(shown.id) if shown is not None else None
        if shown is not None and at is None:
            self.item.say("That item is no longer tracked.", ok=None)
        self.item.show_item(
            self.model.row_at(at) if at is not None else None,
            self._station_label(),
            fresh=at is None,
        )

    def _rows(self) -> list[StockRow]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def _label_stations(self) -> None:
        warned = stock_views.warnings(self._rows())
        for i in range(self.stations.count()):
            item = self.stations.item(i)
            station = self._stations[i]
            stock = warned.get(station.id)
            item.setText(f"{station.label}\n{stock.text if stock else '— no stock tracked'}")
            item.setToolTip(station.label)

    def _show_empty(self) -> None:
        if not self._stations:
            text = NO_STATIONS
        elif self.proxy.rowCount() == 0:
            text = NO_ITEMS.format(station=self._station_label())
        else:
            text = ""
        self.empty.setText(text)
        self.empty.setVisible(bool(text))

    # -- choosing ---------------------------------------------------------------------------------
    def show_station(self, station_id: int) -> None:
        """Show ``station_id``'s stock (as if picked in the list)."""
        for i in range(self.stations.count()):
            if self.stations.item(i).data(Qt.ItemDataRole.UserRole) == station_id:
                self.stations.setCurrentRow(i)

    def _on_station(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.station_id = None if item is None else int(item.data(Qt.ItemDataRole.UserRole))
        key = "" if self.station_id is None else str(self.station_id)
        self.proxy.setFilterRegularExpression(QRegularExpression(f"^{key}$"))
        self.table.clearSelection()
        self.item.say("")
        self.item.show_item(None, "")
        self._fill_addable()
        self._show_empty()

    def select_item(self, item_id: int) -> None:
        """Act on ``item_id`` (shown if it is the station's)."""
        at = self.model.row_of(item_id)
        if at is None:
            return
        source = self.model.index(at, 0)
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.table.selectionModel().select(
                QItemSelection(index, index.siblingAtColumn(self.proxy.columnCount() - 1)),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )
        self._pick(self.model.row_at(at))

    def _on_pick(self, index: QModelIndex) -> None:
        if index.isValid():
            source = self.proxy.mapToSource(index)
            self._pick(self.model.row_at(source.row()))

    def _pick(self, row: StockRow) -> None:
        if self.item.row is None or row.id != self.item.row.id:
            self.item.say("")
            self.item.show_item(row, self._station_label())

    def _station_label(self) -> str:
        return next((s.label for s in self._stations if s.id == self.station_id), "")

    def _applied(self, row: StockRow) -> None:
        """An action of the item panel left ``row`` so."""
        self.model.upsert([row])
        self._label_stations()

    # -- adding -----------------------------------------------------------------------------------
    def _fill_addable(self) -> None:
        """The menu's items the station does not track yet (rebuilt only when that changes: a
        drink made re-reads stock, and must not close the list under the user's pointer)."""
        current = self.add_choice.currentData()
        specs = (
            stock_views.addable(self._menu_items, self._rows(), self.station_id)
            if self.station_id is not None
            else []
        )
        listed = [self.add_choice.itemData(i) for i in range(self.add_choice.count())]
        if listed == [s.name for s in specs]:
            return
        self.add_choice.blockSignals(True)
        self.add_choice.clear()
        for spec in specs:
            self.add_choice.addItem(stock_views.label_of(spec.name), spec.name)
        at = self.add_choice.findData(current)
        self.add_choice.setCurrentIndex(at if at >= 0 else 0 if specs else -1)
        self.add_choice.blockSignals(False)
        self.add_button.setEnabled(bool(specs))
        self.add_level.setEnabled(bool(specs))
        if self.add_choice.currentData() != current:
            self._on_add_choice()

    def _spec(self) -> StockItemSpec | None:
        name = self.add_choice.currentData()
        return next((s for s in self._menu_items if s.name == name), None)

    def _on_add_choice(self) -> None:
        spec = self._spec()
        self.add_level.setValue(spec.par if spec is not None else 0)
        self.add_unit.setText(spec.unit if spec is not None else "")
        self.add_error.setVisible(False)

    def add_item(self) -> None:
        spec = self._spec()
        station = self.station_id
        if spec is None or station is None:
            return
        self.add_error.setVisible(False)
        self.item.clear_errors()
        self._ops.write(
            self._writer,
            partial(
                stock_views.add_item,
                station_id=station,
                name=spec.name,
                limits=ItemLimits(spec.unit or "units", spec.low, spec.par),
                level=self.add_level.value(),
            ),
            initiator=INITIATOR,
            on_done=self._added,
            on_error=self._add_failed,
            label="Adding an item",
        )

    def _added(self, row: StockRow) -> None:
        self.model.upsert([row])
        self._after_items()
        self.select_item(row.id)
        self.item.say(f"{self._station_label()} now tracks {row.label}.")

    def _add_failed(self, failure: OpFailed) -> None:
        self.add_error.setText(f"✕ {capital(failure.message)}")
        self.add_error.setVisible(True)
