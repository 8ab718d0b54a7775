"""The station's Display dialog (font size 100–200 %, high contrast, the spoken call-out) and
what applies it: the app's theme, the card grid's size, the call-out. The choices are this
screen's, kept in its replica (``sync/display_prefs.py`` says why not a synced setting)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.sync import display_prefs
from expresso_desktop.sync.board_queries import BoardReads
from expresso_desktop.sync.display_prefs import DisplayPrefs
from expresso_desktop.sync.replica import Replica
from expresso_desktop.ui.barista.board_window import BoardWindow
from expresso_desktop.ui.barista.callout import CallOut, SpeechChoice, find_speaker
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.theme import apply_theme
from expresso_desktop.ui.common.widgets import plain_label

SCALES = (100, 125, 150, 175, 200)
TOUCH_PX = 56


class DisplayDialog(QDialog):
    """Touch-sized: the font size as five buttons, two switches, Save / Cancel."""

    def __init__(self, prefs: DisplayPrefs, speech: SpeechChoice, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Display")
        self.scales = QButtonGroup(self)
        row = QHBoxLayout()
        for scale in SCALES:
            button = QPushButton(f"{scale} %")
            button.setCheckable(True)
            button.setMinimumSize(96, TOUCH_PX)
            button.setChecked(scale == _nearest(prefs.font_scale))
            self.scales.addButton(button, scale)
            row.addWidget(button)
        self.high_contrast = QCheckBox("High contrast (white on black)")
        self.high_contrast.setChecked(prefs.high_contrast)
        self.callout = QCheckBox("Say ready orders out loud (“Order A042, Sam”)")
        self.callout.setChecked(prefs.callout and speech.speaker is not None)
        self.callout.setEnabled(speech.speaker is not None)
        for box in (self.high_contrast, self.callout):
            box.setMinimumHeight(TOUCH_PX)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        for standard in buttons.buttons():
            standard.setMinimumHeight(TOUCH_PX)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Text size", object_name="title"))
        layout.addLayout(row)
        layout.addWidget(self.high_contrast)
        layout.addWidget(self.callout)
        layout.addWidget(plain_label(speech.how, object_name="subtitle"))
        layout.addWidget(buttons)

    def prefs(self) -> DisplayPrefs:
        return DisplayPrefs(
            font_scale=self.scales.checkedId(),
            high_contrast=self.high_contrast.isChecked(),
            callout=self.callout.isChecked(),
        )


class StationDisplay(QObject):
    """A station's Display button and dialog, its Ready board window (this station's ready
    orders, on the station's own replica) and its call-out, on a toolbar of the window."""

    def __init__(
        self,
        window: BaristaWindow,
        replica: Replica,
        ops: OpRunner,
        signals: SyncSignals,
        *,
        speech: SpeechChoice | None = None,
    ) -> None:
        super().__init__(window)
        self.window, self.replica, self.ops, self.signals = window, replica, ops, signals
        self.speech = speech or find_speaker()
        self.prefs = DisplayPrefs()
        self.reads = BoardReads(replica)
        self.callout = CallOut(self.reads, ops, signals, self.speech.speaker)
        self.board: BoardWindow | None = None
        self.board_button = QPushButton("Ready board")
        self.display_button = QPushButton("Display…")
        self.toolbar = toolbar = QToolBar("Display")
        toolbar.setObjectName("displayBar")
        toolbar.setMovable(False)
        for button in (self.board_button, self.display_button):
            button.setMinimumHeight(TOUCH_PX - 8)
            toolbar.addWidget(button)
        toolbar.addSeparator()
        for button in window.view_buttons:  # Lanes · Grid · Sound
            button.setMinimumHeight(TOUCH_PX - 8)
            toolbar.addWidget(button)
        window.addToolBar(toolbar)
        self.board_button.clicked.connect(self.open_board)
        self.display_button.clicked.connect(self.edit)
        ops.query(lambda: display_prefs.read(replica), on_done=self.apply, label="Display settings")

    def open_board(self) -> BoardWindow:
        """The board as a second window (drag it to the customer-facing screen; F11)."""
        if self.board is None:
            self.board = BoardWindow(reads=self.reads, ops=self.ops, signals=self.signals)
        self.board.show()
        self.board.raise_()
        return self.board

    def edit(self) -> None:
        dialog = DisplayDialog(self.prefs, self.speech, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save(dialog.prefs())

    def save(self, prefs: DisplayPrefs) -> None:
        replica = self.replica
        self.ops.query(
            lambda: display_prefs.save(replica, prefs),
            on_done=self.apply,
            label="Save the display settings",
        )

    def apply(self, prefs: DisplayPrefs) -> None:
        self.prefs = prefs
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, scale=prefs.font_scale, high_contrast=prefs.high_contrast)
        self.window.delegate.set_high_contrast(prefs.high_contrast)
        scale_cards(self.window, prefs.font_scale)
        self.callout.set_enabled(prefs.callout)

    def close(self) -> None:
        if self.board is not None:
            self.board.close()


def scale_cards(window: BaristaWindow, scale: int) -> None:
    """The cards' type scale follows the font scale; the queue measures them again."""
    window.delegate.set_font_scale(scale / 100)
    window.board.measure()


def _nearest(scale: int) -> int:
    return min(SCALES, key=lambda s: abs(s - scale))
