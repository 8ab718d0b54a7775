"""The station's Chat panel: the shared chat view over this station's replica (all stations, and
this station with the organiser). A message is a tap: through the outbox, shown at once
("sending…" until the organiser has it), online or offline. It follows the sync: a round that
brought chat messages re-reads the thread; a download re-reads the channels too. Its tab says
how many messages by others nobody here has looked at ("Chat (2)")."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from expresso_desktop.core.chat import ChatChannel, ChatPage
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.station_chat import StationChat
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.common.chat_view import ChatView, UnreadChanged
from expresso_desktop.ui.common.ops import OpRunner

TITLE = "Chat"
CHAT_ENTITIES = frozenset({"chat_messages"})


class StationChatSource:
    """The chat view's source on a station: its replica's reads, posts through the outbox."""

    def __init__(self, chat: StationChat, signals: SyncSignals) -> None:
        self._chat, self._signals = chat, signals

    def channels(self) -> Sequence[ChatChannel]:
        return self._chat.channels()

    def read(self, channel: str, after: int, *, viewing: bool) -> ChatPage:
        return self._chat.read(channel, after, viewing=viewing)

    async def post(self, channel: str, body: str) -> str:
        message_id = await asyncio.to_thread(self._chat.post, channel, body)
        # A tap like any other: the window's "changes waiting" counts it at once.
        self._signals.replica_changed.emit(ReplicaChanged(entities=CHAT_ENTITIES))
        return message_id


class ChatPanel(QWidget):
    """The Chat side panel; it keeps its own tab's title ("Chat (2)") up to date."""

    def __init__(self, ops: OpRunner, chat: StationChat, signals: SyncSignals) -> None:
        super().__init__()
        self.setObjectName("chatPanel")
        self.view = ChatView(ops, StationChatSource(chat, signals))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.view)
        self.view.unread_changed.connect(self._on_unread)
        signals.replica_changed.connect(self._on_replica_changed)

    @property
    def title(self) -> str:
        unread = self.view.unread.total
        return f"{TITLE} ({unread})" if unread else TITLE

    def _on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything:
            self.view.reload_channels()  # this station's own channel comes with the download
        if changed.everything or changed.entities & CHAT_ENTITIES:
            self.view.messages_changed()

    def _on_unread(self, _unread: UnreadChanged) -> None:
        tabs = self._tabs()
        if tabs is not None:
            tabs.setTabText(tabs.indexOf(self), self.title)

    def _tabs(self) -> QTabWidget | None:
        """The tab widget this panel is a tab of (its parent is the tabs' page stack)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        return parent
