"""A phone's conversation as a phone shows it: bubbles, the phone owner's on the right, the
event's on the left, each with who and when under it (the side is never the only cue).

Bodies are customer text: plain-text labels only. A conversation that grew is appended to (the
bubbles already shown stay, the view follows the newest); any other change redraws it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from expresso_desktop.sms.phone import PhoneLine
from expresso_desktop.ui.common.bubble import Bubble, BubbleThread


class PhoneBubble(Bubble):
    """One text: the bubble and its caption ("You · 10:42"), on its side."""

    def __init__(self, line: PhoneLine, parent: QWidget | None = None) -> None:
        super().__init__(line.body, mine=line.from_customer, parent=parent)
        self.line = line
        who = "You" if line.from_customer else "Expresso"
        self.caption.setText(f"{who} · {line.at.astimezone().strftime('%H:%M')}")
        self.setAccessibleName(f"{who}: {line.body}")


class MessageThread(BubbleThread[PhoneBubble]):
    """A phone's bubbles, oldest at the top; the empty state says what to do."""

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(empty_text, parent=parent)

    @property
    def lines(self) -> tuple[PhoneLine, ...]:
        return tuple(bubble.line for bubble in self.bubbles)

    def toPlainText(self) -> str:
        """The thread as text, one line per bubble ("10:42  You: latte"), like a text view."""
        return "\n".join(bubble.line.text for bubble in self.bubbles)

    def show_lines(self, lines: Sequence[PhoneLine]) -> None:
        lines = tuple(lines)
        shown = self.lines
        if lines == shown:
            return
        if lines[: len(shown)] == shown:
            fresh = lines[len(shown) :]
        else:
            self.clear_bubbles()
            fresh = lines
        for line in fresh:
            self.append(PhoneBubble(line))
        self.settled()
