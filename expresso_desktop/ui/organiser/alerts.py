"""The alerts line in the organiser's status bar: the newest alert in words with a mark (never
by colour alone), how many are waiting, and all of them in the tooltip. "Dismiss" clears it.

Alerts (stock low or out, a conflicting tap, texts failing, someone guessing pairing codes) come
from the change bridge's ``alert_raised``; the screen that fixes each will link here as it is
built."""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from expresso_desktop.ui.common.bridge import AlertRaised
from expresso_desktop.ui.common.widgets import plain_label

KEEP = 50


class AlertsLine(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._alerts: deque[AlertRaised] = deque(maxlen=KEEP)
        self.label = plain_label(object_name="alert")
        self.label.setWordWrap(False)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setFlat(True)
        self.dismiss_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.dismiss_button)
        self.clear()

    @property
    def alerts(self) -> tuple[AlertRaised, ...]:
        return tuple(self._alerts)

    def add(self, alert: AlertRaised) -> None:
        self._alerts.append(alert)
        more = len(self._alerts) - 1
        tail = f"  (+{more} more)" if more else ""
        self.label.setText(f"⚠ {alert.severity_word}: {alert.message}{tail}")
        self.setToolTip("\n".join(f"⚠ {a.message}" for a in reversed(self._alerts)))
        self.setVisible(True)

    def clear(self) -> None:
        self._alerts.clear()
        self.label.setText("")
        self.setToolTip("")
        self.setVisible(False)
