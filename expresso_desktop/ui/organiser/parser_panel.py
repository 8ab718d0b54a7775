"""Order-language tester: type a customer's text, see exactly what the parser understands."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from expresso_desktop.core.menu import Menu
from expresso_desktop.core.sms.parser import SmsParser
from expresso_desktop.ui.common.widgets import plain_label

EXAMPLE = "large oat flat white for Sam at station 2"


class ParserPanel(QWidget):
    def __init__(self, menu: Menu, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._menu = menu
        self._parser = SmsParser(menu)
        self.input = QLineEdit(placeholderText="Type a text as a customer would send it")
        self.summary = plain_label(object_name="card")
        self.json_view = plain_label(object_name="subtitle")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Try the order language", object_name="title"))
        layout.addWidget(
            plain_label(
                "This is how Expresso reads customers' texts with this event's menu.",
                object_name="subtitle",
            )
        )
        layout.addWidget(self.input)
        layout.addWidget(self.summary)
        layout.addWidget(self.json_view)
        layout.addStretch(1)
        self.input.textChanged.connect(self._update)
        self.input.setText(EXAMPLE)

    def _update(self, text: str) -> None:
        result = self._parser.parse(text)
        if result.intent == "order":
            lines = ["• " + item.summary(self._menu) for item in result.items]
            who = f"for {result.name}" if result.name else "no name given"
            where = f"station {result.station}" if result.station else "any station"
            self.summary.setText("Order " + who + ", " + where + "\n" + "\n".join(lines))
        else:
            self.summary.setText(f"Not an order: {result.intent}")
        self.json_view.setText(json.dumps(result.to_dict(), ensure_ascii=False))
