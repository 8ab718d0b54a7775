"""What a station or a ready board shows while it opens: its title and "Opening…", painted
before the replica, the sync and the screens are imported (their first frame needs none of
them). Cheap to import: Qt and the plain label only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from expresso_desktop.ui.common.widgets import plain_label


def opening_page(title: str, doing: str, *, object_name: str) -> QWidget:
    """``title`` at the top, ``doing`` ("Opening the station…") in the middle."""
    page = QWidget()
    page.setObjectName(object_name)
    column = QVBoxLayout(page)
    column.addWidget(plain_label(title, object_name="title"))
    column.addStretch(1)
    line = plain_label(doing, object_name="title")
    line.setAlignment(Qt.AlignmentFlag.AlignCenter)  # across the page, however narrow
    column.addWidget(line)
    column.addStretch(2)
    return page


class OpeningBoard(QMainWindow):
    """``expresso board`` before its board window: the same title, size and screen, so the
    display says what it is doing from its first second."""

    def __init__(self, *, fullscreen: bool) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Ready board")
        self.resize(1280, 800)
        self.setCentralWidget(
            opening_page("Ready board", "Opening the board…", object_name="board")
        )
        if fullscreen:
            self.showFullScreen()
        else:
            self.show()
