"""The chat between the organiser and the stations, as both ends show it: a channel picker (the
host supplies the channels), the thread as bubbles (who, when, the text; one's own on the
right, "sending…" until the organiser has it), and a line to write with a Send button (Enter
sends).

The view knows neither mode: it reads and posts through a ``ChatSource`` (the organiser's reads
and writer, or a station's replica and outbox), always through the op runner. The host tells it
when messages or channels may have changed (``messages_changed``, ``reload_channels``) and
badges it from ``unread_changed``. What is shown while the view is visible counts as read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.chat import MAX_BODY, ChatChannel, ChatLine, ChatPage
from expresso_desktop.ui.common.bubble import Bubble, BubbleThread
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

TOUCH_PX = 48


class ChatSource(Protocol):
    """Where a chat view reads and writes. ``channels`` and ``read`` block (run off the GUI
    thread); ``post`` is awaited on the service loop."""

    def channels(self) -> Sequence[ChatChannel]: ...

    def read(self, channel: str, after: int, *, viewing: bool) -> ChatPage: ...

    def post(self, channel: str, body: str) -> Awaitable[object]: ...


@dataclass(frozen=True, slots=True)
class UnreadChanged:
    """Messages by others not looked at yet: in all, and per channel (those with any)."""

    total: int
    by_channel: tuple[tuple[str, int], ...]


class ChatBubble(Bubble):
    """One message: its bubble, and under it who wrote it and when ("You · sending…")."""

    def __init__(self, line: ChatLine, parent: QWidget | None = None) -> None:
        super().__init__(line.body, mine=line.own, parent=parent)
        self.set_line(line)

    @property
    def caption_text(self) -> str:
        return self.caption.text()

    def set_line(self, line: ChatLine) -> None:
        """The same message, maybe confirmed since (its caption changes, never its side)."""
        self.line = line
        who = "You" if line.own else line.author
        when = "sending…" if line.pending else line.sent_at.astimezone().strftime("%H:%M")
        self.caption.setText(f"{who} · {when}")
        self.setAccessibleName(f"{who}, {when}: {line.body}")


class ChatThread(BubbleThread[ChatBubble]):
    """Bubbles, oldest at the top, following the newest; an empty state says what to do.
    Styled as the Messages screen's thread; few messages sit by the compose line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(at_bottom=True, parent=parent)

    @property
    def lines(self) -> tuple[ChatLine, ...]:
        return tuple(bubble.line for bubble in self.bubbles)

    def show_lines(self, lines: Sequence[ChatLine]) -> None:
        """Append what is new; a message confirmed meanwhile changes in place; any other
        change (a confirmed message moving up) redraws the thread."""
        shown = [b.line.id for b in self.bubbles]
        wanted = [line.id for line in lines]
        if wanted[: len(shown)] != shown:
            self.clear_bubbles()
        for bubble, line in zip(self.bubbles, lines, strict=False):
            if bubble.line != line:
                bubble.set_line(line)
        for line in lines[len(self.bubbles) :]:
            self.append(ChatBubble(line))
        self.settled()


class ChatView(QWidget):
    """A chat: channel picker, thread, compose line.

    Signals:
        unread_changed(UnreadChanged) — the count of messages by others not looked at changed
    """

    unread_changed = Signal(UnreadChanged)

    def __init__(self, ops: OpRunner, source: ChatSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self._ops, self._source = ops, source
        self._channels: tuple[ChatChannel, ...] = ()
        self._channel = ""  # the key shown ("" until the channels are read)
        self._after = 0  # the newest confirmed version shown
        self._lines: dict[str, ChatLine] = {}
        self._unread = UnreadChanged(0, ())
        self._viewing = False  # read off the GUI thread: a plain flag, not isVisible()

        self.picker = QComboBox()
        self.picker.setMinimumHeight(TOUCH_PX)
        self.picker.setMaximumWidth(520)
        self.picker.setAccessibleName("Channel")
        self.picker.currentIndexChanged.connect(self._on_picked)
        self.conversation = ChatThread()
        self.compose = QLineEdit()
        self.compose.setMinimumHeight(TOUCH_PX)
        self.compose.setMaxLength(MAX_BODY)
        self.compose.setPlaceholderText("Write a message…")
        self.compose.setAccessibleName("Message")
        self.compose.returnPressed.connect(self.send)
        self.send_button = QPushButton("Send")
        self.send_button.setMinimumSize(96, TOUCH_PX)
        self.send_button.clicked.connect(self.send)
        self.error = plain_label(object_name="fieldError")
        self.error.hide()

        header = QHBoxLayout()
        header.addWidget(plain_label("Channel", object_name="subtitle"))
        header.addWidget(self.picker, 3)
        header.addStretch(1)  # a wide screen's picker stays a picker, not a bar
        compose = QHBoxLayout()
        compose.addWidget(self.compose, 1)
        compose.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.conversation, 1)
        layout.addWidget(self.error)
        layout.addLayout(compose)

        self.reads: SerialRead[str, ChatPage] = SerialRead(
            ops, self._read, self._apply, label="Reading the chat"
        )
        self._show_empty_text()
        self.reload_channels()

    # -- what the host calls ---------------------------------------------------------------
    @property
    def channel(self) -> str:
        return self._channel

    @property
    def unread(self) -> UnreadChanged:
        return self._unread

    def reload_channels(self) -> None:
        """The channels may have changed (a station added, renamed, removed)."""
        self._ops.query(self._source.channels, on_done=self._set_channels, label="Chat channels")

    def messages_changed(self) -> None:
        """Messages may have arrived: read what is new (and the unread counts)."""
        if self._channel:
            self.reads.want(None)

    def show_channel(self, key: str) -> None:
        index = next((i for i, c in enumerate(self._channels) if c.key == key), -1)
        if index >= 0:
            self.picker.setCurrentIndex(index)

    def send(self) -> None:
        text = self.compose.text()
        if not text.strip() or not self._channel or not self.send_button.isEnabled():
            return
        source, channel = self._source, self._channel
        self.send_button.setEnabled(False)
        self._ops.call(
            lambda: source.post(channel, text),
            on_done=self._sent,
            on_error=self._send_failed,
            on_finally=lambda: self.send_button.setEnabled(True),
            label="Send message",
        )

    # -- channels ----------------------------------------------------------------------------
    def _set_channels(self, channels: Sequence[ChatChannel]) -> None:
        self._channels = tuple(channels)
        self.picker.blockSignals(True)
        self.picker.clear()
        for channel in self._channels:
            self.picker.addItem(channel.title, channel.key)
        self.picker.blockSignals(False)
        keys = [c.key for c in self._channels]
        if self._channel in keys:
            self.picker.setCurrentIndex(keys.index(self._channel))
            self._show_unread()
        elif keys:
            self.picker.setCurrentIndex(0)
            self._on_picked(0)

    def _on_picked(self, index: int) -> None:
        if not 0 <= index < len(self._channels):
            return
        self._channel = self._channels[index].key
        self._after = 0
        self._lines = {}
        self.conversation.show_lines(())
        self._show_empty_text()
        self.reads.want(None)

    def _show_empty_text(self) -> None:
        title = next((c.title for c in self._channels if c.key == self._channel), "")
        where = f"in “{title}” " if title else ""
        self.conversation.empty.setText(
            f"No messages {where}yet.\nType below and press Enter (or Send) to write one."
        )

    # -- reading -----------------------------------------------------------------------------
    def _read(self, _keys: frozenset[str] | None) -> ChatPage:
        return self._source.read(self._channel, self._after, viewing=self._viewing)

    def _apply(self, _keys: frozenset[str] | None, page: ChatPage) -> None:
        if page.channel == self._channel:
            self._lines.update((line.id, line) for line in page.lines)
            # A line that was sending and is now read back confirmed replaces itself (same id).
            confirmed = [line.version for line in page.lines if not line.pending]
            self._after = max([self._after, *confirmed])
            waiting = {line.id for line in page.lines if line.pending}
            self._lines = {
                key: line for key, line in self._lines.items() if not line.pending or key in waiting
            }
            self.conversation.show_lines(
                sorted(self._lines.values(), key=lambda line: line.order_key)
            )
        self._set_unread(page)

    def _set_unread(self, page: ChatPage) -> None:
        unread = UnreadChanged(sum(n for _, n in page.unread), page.unread)
        if unread != self._unread:
            self._unread = unread
            self._show_unread()
            self.unread_changed.emit(unread)

    def _show_unread(self) -> None:
        counts = dict(self._unread.by_channel)
        for index, channel in enumerate(self._channels):
            count = counts.get(channel.key, 0)
            self.picker.setItemText(
                index, f"{channel.title}  ({count} new)" if count else channel.title
            )

    # -- writing -----------------------------------------------------------------------------
    def _sent(self, _result: object) -> None:
        self.compose.clear()
        self.error.hide()
        self.reads.want(None)

    def _send_failed(self, failure: OpFailed) -> None:
        self.error.setText(failure.message)
        self.error.show()

    # -- whether it is looked at ----------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._viewing = True
        self.messages_changed()  # what was unread here is read now

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._viewing = False
