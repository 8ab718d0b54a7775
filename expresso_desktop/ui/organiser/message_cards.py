"""The Messages screen's two cards: the selected text in full (with its order to open and a
reply), and the form to send a text (with its SMS cost, and a refusal beside the field it
names). Customer text is plain text only."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.sms.segments import measure
from expresso_desktop.sms.message_log import LoggedText
from expresso_desktop.sms.outbound.manual import MAX_LENGTH
from expresso_desktop.ui.common.ops import OpFailed
from expresso_desktop.ui.common.widgets import plain_label

TOUCH = 48


class TextDetail(QFrame):
    """The selected text in full: who, when, what kind, its whole body, its delivery state with
    the reason, and what can be done with it (open its order, reply)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.heading = plain_label()
        self.body = QPlainTextEdit(readOnly=True)  # plain text: customer input never renders
        self.body.setAccessibleName("The whole text")
        self.body.setMaximumHeight(96)
        self.status = plain_label()
        self.open_button = QPushButton("Open order")
        self.reply_button = QPushButton("Reply")
        self.reply_button.setObjectName("secondary")
        for button in (self.open_button, self.reply_button):
            button.setMinimumHeight(TOUCH)
        self.hint = plain_label(
            "Select a text to read all of it, open its order, or reply.", object_name="subtitle"
        )
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.reply_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Selected text", object_name="section"))
        layout.addWidget(self.hint)
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        layout.addStretch(1)
        self.show_text(None)

    def show_text(self, text: LoggedText | None) -> None:
        self.hint.setVisible(text is None)
        for widget in (self.heading, self.body, self.status, self.reply_button):
            widget.setVisible(text is not None)
        self.open_button.setVisible(text is not None and bool(text.order_number))
        if text is None:
            return
        arrow, side = ("↓ From", text.number) if text.direction == "in" else ("↑ To", text.number)
        when = text.created_at.astimezone().strftime("%H:%M:%S")
        order = f" · order {text.order_number}" if text.order_number else ""
        self.heading.setText(f"{arrow} {side} · {when} · {text.kind_label}{order}")
        if self.body.toPlainText() != text.body:
            self.body.setPlainText(text.body)
        self.status.setText(text.delivery.text)
        self.status.setObjectName("fieldError" if text.delivery.problem else "")
        self.status.style().polish(self.status)
        self.open_button.setText(f"Open order {text.order_number}")


class ComposeBox(QFrame):
    """Send a text: to an order's customer or a number typed in full; the message with its SMS
    cost; what happened (queued for the masked number, or why not, beside the field)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.to = QLineEdit(placeholderText="Order (A042) or phone number (+61…)")
        self.to.setAccessibleName("Send to")
        self.to.setMinimumHeight(TOUCH)
        self.to_error = plain_label(object_name="fieldError")
        self.message = QPlainTextEdit()
        self.message.setPlaceholderText("Your text…")
        self.message.setAccessibleName("Text to send")
        self.message.setMaximumHeight(84)
        self.cost = plain_label(object_name="subtitle")
        self.message_error = plain_label(object_name="fieldError")
        self.feedback = plain_label()
        self.send_button = QPushButton("Send text")
        self.send_button.setMinimumHeight(TOUCH)
        row = QHBoxLayout()
        row.addWidget(self.feedback, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Send a text", object_name="section"))
        layout.addWidget(self.to)
        layout.addWidget(self.to_error)
        layout.addWidget(self.message)
        layout.addWidget(self.cost)
        layout.addWidget(self.message_error)
        layout.addLayout(row)
        self.message.textChanged.connect(self._count)
        self.clear_errors()
        self._count()

    def _count(self) -> None:
        text = self.message.toPlainText().strip()
        if not text:
            self.cost.setText(f"Up to {MAX_LENGTH} characters")
            return
        info = measure(text)
        sms = "1 SMS" if info.single else f"{info.segments} SMS"
        over = f" — {len(text) - MAX_LENGTH} too many" if len(text) > MAX_LENGTH else ""
        self.cost.setText(f"{sms} ({info.encoding}) · {len(text)} of {MAX_LENGTH}{over}")

    def clear_errors(self) -> None:
        for label in (self.to_error, self.message_error):
            label.clear()
            label.hide()
        self.say("")

    def say(self, text: str, *, ok: bool = True) -> None:
        self.feedback.setText(text)
        self.feedback.setObjectName("" if ok else "fieldError")
        self.feedback.style().polish(self.feedback)

    def show_error(self, failure: OpFailed) -> None:
        """Beside the field it names, else under the form; always with a mark and words."""
        label: QLabel | None = {"to": self.to_error, "text": self.message_error}.get(
            failure.field or ""
        )
        if label is None:
            self.say(f"✕ Not sent: {failure.text}", ok=False)
            return
        label.setText(f"✕ {failure.text}")
        label.show()
