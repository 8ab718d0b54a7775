"""The organiser's navigation: a left sidebar of screens (Live, Orders, Messages, …) beside the
screen shown. Each entry is a word with a mark, never a colour alone; rows are touch-sized.

A screen may carry a badge ("Messages 3", "Live ⚠ 2"): ``set_badge`` updates the sidebar text
without the screen knowing how it is shown.

A screen may be built on first use (``add_lazy``): the window's first frame and start-up only
pay for the screen shown; a placeholder stands in its place until then."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QWidget,
)

ROW_HEIGHT = 48  # touch target


@dataclass(frozen=True)
class ScreenShown:
    """The screen now shown (its key, as given to ``Navigator.add``)."""

    key: str


class Navigator(QWidget):
    """The sidebar and the stack of screens. Signals: shown(ScreenShown)."""

    shown = Signal(ScreenShown)  # ScreenShown: the user (or code) switched screens

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(200)
        self.sidebar.setAccessibleName("Screens")
        self.stack = QStackedWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self._keys: list[str] = []
        self._titles: dict[str, str] = {}
        self._pending: dict[str, Callable[[], QWidget]] = {}  # screens not built yet
        self.sidebar.currentRowChanged.connect(self._on_row)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def add(self, key: str, title: str, widget: QWidget) -> None:
        item = QListWidgetItem(title)
        item.setSizeHint(QSize(180, ROW_HEIGHT))
        item.setToolTip(title)
        self.sidebar.addItem(item)
        self.stack.addWidget(widget)
        self._keys.append(key)
        self._titles[key] = title
        if self.sidebar.currentRow() < 0:
            self.sidebar.setCurrentRow(0)

    def add_lazy(self, key: str, title: str, build: Callable[[], QWidget]) -> None:
        """A screen built by ``build`` when first shown (or asked for by ``screen_for``)."""
        self._pending[key] = build
        self.add(key, title, QWidget())
        if self.stack.currentIndex() == self._keys.index(key):
            self._build(key)

    def show_screen(self, key: str) -> None:
        self.sidebar.setCurrentRow(self._keys.index(key))

    def screen_for(self, key: str) -> QWidget:
        self._build(key)
        widget = self.stack.widget(self._keys.index(key))
        assert widget is not None
        return widget

    def _build(self, key: str) -> None:
        build = self._pending.pop(key, None)
        if build is None:
            return
        self.replace(key, build())

    def replace(self, key: str, widget: QWidget) -> None:
        """``widget`` becomes the screen ``key`` (its stand-in is deleted)."""
        index = self._keys.index(key)
        placeholder = self.stack.widget(index)
        assert placeholder is not None
        current = self.stack.currentIndex()
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.stack.setCurrentIndex(current)

    def current_key(self) -> str:
        return self._keys[self.stack.currentIndex()]

    def currentWidget(self) -> QWidget | None:
        return self.stack.currentWidget()

    def setCurrentWidget(self, widget: QWidget) -> None:
        """Show the screen that is ``widget`` or holds it (a screen's panel)."""
        screen: QWidget | None = widget
        while screen is not None and self.stack.indexOf(screen) < 0:
            screen = screen.parentWidget()
        if screen is not None:
            self.sidebar.setCurrentRow(self.stack.indexOf(screen))

    def set_badge(self, key: str, badge: str) -> None:
        """``badge`` after the screen's title ("" removes it)."""
        item = self.sidebar.item(self._keys.index(key))
        title = self._titles[key]
        item.setText(f"{title}  {badge}" if badge else title)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            self._build(self._keys[row])
            self.stack.setCurrentIndex(row)
            self.shown.emit(ScreenShown(self._keys[row]))
