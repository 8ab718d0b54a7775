"""The organiser's Chat screen: the shared chat view over the organiser's chat reads, posting as
the organiser through the single writer. It follows the change feed: a commit that wrote chat
messages re-reads the thread (and the unread counts the sidebar badges); one that changed the
stations re-reads the channel list."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from functools import partial

from PySide6.QtWidgets import QVBoxLayout, QWidget

from expresso_desktop.core.chat import ChatChannel, ChatLine, ChatPage
from expresso_desktop.services import chat
from expresso_desktop.services.chat import ChatReads
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.chat_view import ChatView
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.widgets import plain_label

INITIATOR = "ui:chat"
CHAT_ENTITIES = ("chat_messages",)


class OrganiserChat:
    """The chat view's source on the organiser: the reads, and posts run by the writer."""

    def __init__(self, reads: ChatReads, writer: Writer) -> None:
        self._reads, self._writer = reads, writer

    def channels(self) -> Sequence[ChatChannel]:
        return self._reads.channels()

    def read(self, channel: str, after: int, *, viewing: bool) -> ChatPage:
        return self._reads.read(channel, after, viewing=viewing)

    def post(self, channel: str, body: str) -> Awaitable[ChatLine]:
        return self._writer.run(partial(chat.post, channel=channel, body=body), initiator=INITIATOR)


class ChatScreen(QWidget):
    """The Chat screen; its view's ``unread_changed`` badges the sidebar."""

    def __init__(
        self, ops: OpRunner, writer: Writer, reads: ChatReads, bridge: ChangeBridge
    ) -> None:
        super().__init__()
        self.setObjectName("chatScreen")
        self.view = ChatView(ops, OrganiserChat(reads, writer))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(plain_label("Chat with the stations", object_name="title"))
        layout.addWidget(
            plain_label(
                "Write to every station at once, or to one. Baristas answer from their "
                "station's Chat panel.",
                object_name="subtitle",
            )
        )
        layout.addWidget(self.view, 1)
        bridge.committed.connect(self._on_committed)

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.station_ids:
            self.view.reload_channels()
        if event.touches(CHAT_ENTITIES):
            self.view.messages_changed()
