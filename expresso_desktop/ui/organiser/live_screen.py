"""The organiser's Live screen, shown first: a tile per station (open/paused/closed, online or
offline since, orders new / in progress / ready, make time, the wait customers are quoted, who
is on shift, stock warnings), orders per hour over the last three hours, and the alerts, each
with a button to the screen that fixes it.

Figures are ``services.dashboard``'s, read off the GUI thread. The screen re-reads when a
commit touches what it shows (at most twice a second, however busy the event) and every 30 s
(ages, devices going quiet). Every status is a word with a mark, never a colour alone."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.dashboard import Dashboard, DashboardReader, StationTile
from expresso_desktop.ui.common.bridge import AlertRaised, ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceHost
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.bar_chart import Bar, BarChart

KEEP = 30  # alerts listed, newest first
# Between two reads, a pause three times as long as the last read took (at most half a second):
# a quick read (a small event) follows each order at once, a slow one (10,000 open orders) is
# kept to a quarter of one worker's time however fast the texts come.
GAP_PER_READ = 3
MAX_GAP_MS = 500
TICK_MS = 30_000  # ages and online state move on their own
COLUMNS = 3
ROWS_SHOWN = 2  # more stations than that scroll
# What a commit must touch for the tiles to change.
SHOWN = frozenset(
    {"orders", "stations", "stock_items", "shifts", "breaks", "operating_hours", "staff_users"}
)
WEBHOOK_NOT_SET = "webhook_not_set"  # raised here from the servers' start-up report
# The screen that fixes each alert kind (services.changes.ALERT_KINDS), and its name.
FIXED_ON = {
    "stock_low": "inventory",
    "stock_out": "inventory",
    "stock_negative": "inventory",
    "conflict_terminal": "orders",
    "phone_revealed": "orders",
    "sms_gateway_down": "messages",
    WEBHOOK_NOT_SET: "setup",
    "throttle": "settings",
    "pairing_attack": "setup",
}
STYLE = """
QFrame#tile { background: #ffffff; border: 1px solid #e4d8cb; border-radius: 10px; }
QLabel#tileTitle { font-size: 18px; font-weight: 600; color: #4a2c1a; }
QLabel#tileCounts { font-size: 16px; font-weight: 600; color: #2b1d14; }
QLabel#tileLine { color: #4a3426; }
QLabel#section { font-size: 17px; font-weight: 600; color: #4a2c1a; }
QFrame#panel { background: #ffffff; border: 1px solid #e4d8cb; border-radius: 10px; }
QScrollArea#tiles, QWidget#tileGrid { background: transparent; }
QPushButton#secondary { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8; }
"""


@dataclass(frozen=True, slots=True)
class GoTo:
    """The screen (a sidebar key: "inventory", "setup"…) the user asked to go to."""

    key: str


@dataclass(frozen=True, slots=True)
class AlertsShown:
    """How many alerts the Live screen lists now."""

    count: int


class StationTileView(QFrame):
    """One station's tile; ``show_tile`` updates it in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.title = plain_label(object_name="tileTitle")
        self.status = plain_label(object_name="tileLine")
        self.connection = plain_label(object_name="tileLine")
        self.counts = plain_label(object_name="tileCounts")
        self.counts.setWordWrap(False)  # one line: the tile is as wide as its counts
        self.times = plain_label(object_name="tileLine")
        self.staff = plain_label(object_name="tileLine")
        self.stock = plain_label(object_name="tileLine")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(4)
        for label in (
            self.title,
            self.status,
            self.connection,
            self.counts,
            self.times,
            self.staff,
            self.stock,
        ):
            layout.addWidget(label)
        layout.addStretch(1)

    def show_tile(self, tile: StationTile, now_text: str, connection: str) -> None:
        self.title.setText(tile.label)
        self.status.setText(tile.status_word)
        self.connection.setText(connection)
        self.counts.setText(f"New {tile.new} · In progress {tile.in_progress} · Ready {tile.ready}")
        self.times.setText(f"{tile.wait_text}\n{tile.make_time_text}")
        self.staff.setText(tile.staff_text)
        self.stock.setText(tile.stock_text)
        self.setAccessibleName(f"{tile.label}: {tile.status_word}, {connection} ({now_text})")


class AlertRow(QWidget):
    """An alert in words with a mark, and the button to the screen that fixes it."""

    def __init__(self, alert: AlertRaised, at: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alert = alert
        self.label = plain_label(f"⚠ {at} {alert.severity_word}: {alert.message}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        self.key = FIXED_ON.get(alert.kind)
        self.button: QPushButton | None = None
        if self.key is not None:
            self.button = QPushButton(f"Go to {self.key.capitalize()}")
            self.button.setObjectName("secondary")
            self.button.setMinimumHeight(48)
            layout.addWidget(self.button)


class LiveScreen(QWidget):
    """Signals:
    go_to(GoTo) — the user asked for the screen that fixes an alert
    dashboard_read(Dashboard) — new figures were read (the status bar counts stations online)
    alerts_shown(AlertsShown) — the number of alerts listed changed
    """

    go_to = Signal(GoTo)
    dashboard_read = Signal(Dashboard)
    alerts_shown = Signal(AlertsShown)

    def __init__(
        self,
        ops: OpRunner,
        reader: DashboardReader,
        bridge: ChangeBridge,
        host: ServiceHost,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tiles: dict[int, StationTileView] = {}
        self._refit = QTimer(self, singleShot=True, interval=0)
        self._refit.timeout.connect(self._fit_tiles)
        self.setObjectName("liveScreen")
        self.setStyleSheet(STYLE)
        self.dashboard: Dashboard | None = None
        self._alerts: deque[AlertRaised] = deque(maxlen=KEEP)
        self._last_read = 0.0
        self._gap_ms = 0.0  # the pause the last read's cost asks for
        self._build()
        self._reads: SerialRead[int, Dashboard] = SerialRead(
            ops, lambda _keys: reader.read(), self._apply, label="Reading the live figures"
        )
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self._read)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._read)
        self._tick.start()
        bridge.committed.connect(self._on_committed)
        bridge.alert_raised.connect(self.add_alert)
        host.on_started(self._on_started)
        self._read()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        heading = plain_label("Live", object_name="title")
        self.empty = plain_label(
            "No stations yet. Add one on the Stations screen, then pair its tablet.",
            object_name="subtitle",
        )
        self.empty.hide()
        grid_host = QWidget()
        grid_host.setObjectName("tileGrid")
        self.grid = QGridLayout(grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.tiles_area = tiles = QScrollArea()
        tiles.setObjectName("tiles")
        tiles.setWidgetResizable(True)
        tiles.setFrameShape(QFrame.Shape.NoFrame)
        tiles.setWidget(grid_host)
        self.chart = BarChart(
            vertical=True,
            empty_text="No orders in the last 3 hours yet.",
            accessible_name="Orders per hour, last 3 hours",
        )
        self.alert_list = QListWidget()
        self.alert_list.setAccessibleName("Alerts")
        self.no_alerts = plain_label("✓ No alerts. Problems show here as they happen.")
        self.clear_button = QPushButton("Clear alerts")
        self.clear_button.setObjectName("secondary")
        self.clear_button.setMinimumHeight(48)
        self.clear_button.clicked.connect(self.clear_alerts)
        bottom = QHBoxLayout()
        bottom.setSpacing(12)
        bottom.addWidget(_panel("Orders per hour (last 3 h)", self.chart), 2)
        bottom.addWidget(_panel("Alerts", self.no_alerts, self.alert_list, self.clear_button), 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(self.empty)
        layout.addWidget(tiles, 0)
        layout.addLayout(bottom, 1)
        self._show_alert_count()

    # -- reading ---------------------------------------------------------------------------------
    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.devices_touched or event.touches(SHOWN) or event.order_ids:
            self._read_soon()

    def _read_soon(self) -> None:
        if self._soon.isActive():
            return
        gap = self._gap_ms - (time.monotonic() - self._last_read) * 1000
        if gap <= 0:
            self._read()
        else:
            self._soon.start(int(gap))

    def _read(self) -> None:
        self._last_read = time.monotonic()
        self._reads.want(None)

    def _apply(self, _keys: frozenset[int] | None, board: Dashboard) -> None:
        took_ms = (time.monotonic() - self._last_read) * 1000
        self._gap_ms = min(MAX_GAP_MS, GAP_PER_READ * took_ms)
        self.dashboard = board
        now = datetime.now(UTC)
        now_text = f"{board.read_at.astimezone():%H:%M}"
        ids = [tile.id for tile in board.stations]
        if list(self.tiles) != ids:
            self._lay_out(ids)
        for tile in board.stations:
            self.tiles[tile.id].show_tile(tile, now_text, tile.connection(now))
        self.empty.setVisible(not board.stations)
        self._fit_tiles()
        self.chart.set_bars([Bar(h.label, h.orders) for h in board.per_hour])
        self.dashboard_read.emit(board)

    def _fit_tiles(self) -> None:
        """The tiles take the height they need, up to ``ROWS_SHOWN`` rows (then they scroll);
        the chart and the alerts take the rest."""
        if not self.tiles:
            return
        width = max(1, self.tiles_area.viewport().width() // COLUMNS - self.grid.spacing())
        tallest = max(_height_at(view, width) for view in self.tiles.values())
        rows = min(ROWS_SHOWN, -(-len(self.tiles) // COLUMNS))
        self.tiles_area.setFixedHeight(rows * tallest + (rows - 1) * self.grid.spacing() + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tiles()  # a narrower tile wraps its lines: taller

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._refit.start()  # the theme's fonts: taller lines, once the style has settled

    def _lay_out(self, ids: list[int]) -> None:
        for view in self.tiles.values():
            self.grid.removeWidget(view)
        kept = {i: self.tiles.pop(i) for i in ids if i in self.tiles}
        for view in self.tiles.values():
            view.deleteLater()
        self.tiles = {i: kept.get(i) or StationTileView() for i in ids}
        for n, view in enumerate(self.tiles.values()):
            self.grid.addWidget(view, n // COLUMNS, n % COLUMNS)
        self.grid.setRowStretch(max(1, -(-len(ids) // COLUMNS)), 1)

    # -- alerts ----------------------------------------------------------------------------------
    def add_alert(self, alert: AlertRaised) -> None:
        self._alerts.appendleft(alert)
        row = AlertRow(alert, f"{datetime.now(UTC).astimezone():%H:%M}")
        if row.button is not None and row.key is not None:
            key = row.key
            row.button.clicked.connect(lambda: self.go_to.emit(GoTo(key)))
        item = QListWidgetItem()
        item.setSizeHint(row.sizeHint().expandedTo(row.minimumSizeHint()))
        self.alert_list.insertItem(0, item)
        self.alert_list.setItemWidget(item, row)
        while self.alert_list.count() > KEEP:
            self.alert_list.takeItem(self.alert_list.count() - 1)
        self._show_alert_count()

    def alert_row(self, n: int) -> AlertRow:
        """The ``n``th alert listed (0: the newest)."""
        widget = self.alert_list.itemWidget(self.alert_list.item(n))
        assert isinstance(widget, AlertRow)
        return widget

    def clear_alerts(self) -> None:
        self._alerts.clear()
        self.alert_list.clear()
        self._show_alert_count()

    def _show_alert_count(self) -> None:
        count = len(self._alerts)
        self.alert_list.setVisible(bool(count))
        self.clear_button.setVisible(bool(count))
        self.no_alerts.setVisible(not count)
        self.alerts_shown.emit(AlertsShown(count))

    def _on_started(self, started: ServersStarted) -> None:
        for line in started.sms_lines:
            if "NOT set" in line or "not registered" in line.lower():
                self.add_alert(AlertRaised(WEBHOOK_NOT_SET, line, None, None))


def _panel(title: str, *widgets: QWidget) -> QFrame:
    frame = QFrame()
    frame.setObjectName("panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 12, 14, 12)
    layout.addWidget(plain_label(title, object_name="section"))
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QListWidget | BarChart) else 0)
    layout.addStretch(0)  # an empty state sits under the title, not in the middle
    return frame


def _height_at(view: QWidget, width: int) -> int:
    """The height ``view`` needs at ``width`` (its lines wrap), at least its size hint."""
    layout = view.layout()
    wrapped = layout.heightForWidth(width) if layout is not None else -1
    return max(view.sizeHint().height(), wrapped)
