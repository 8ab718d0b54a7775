"""The organiser's side of the chat with the stations: the channels (every station, and all of
them at once), a channel's messages since a version, what others wrote that the organiser has
not looked at yet (kept in memory), and a post as the organiser (``post``, run by the single
writer through ``event_settings.post_chat``, the LAN API's and the stations' one path).

Reads are blocking snapshot reads: run them off the GUI thread."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core.chat import (
    ALL,
    ORGANISER,
    ChatChannel,
    ChatLine,
    ChatPage,
    ReadMarks,
    check_body,
    station_channel,
)
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import event_settings
from expresso_desktop.services.order_actions import live_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChatMessage, Station

FIRST_PAGE = 300  # a channel opened shows its newest messages, not the whole event's


class ChatReads:
    """Snapshot reads of the master database, and the organiser's read marks."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self.event_id = event_id
        self.marks = ReadMarks()

    def channels(self) -> tuple[ChatChannel, ...]:
        """All stations at once, then one channel per station, by number."""
        with read_session(self._engine) as session:
            return self._channels(session)

    def read(self, channel: str, after: int = 0, *, viewing: bool = False) -> ChatPage:
        """``channel``'s messages newer than ``after`` (its newest ``FIRST_PAGE`` when 0);
        ``viewing``: the organiser is looking at it, so it is read up to its newest."""
        with read_session(self._engine) as session:
            lines = _lines(session, channel, after)
            if viewing:
                self.marks.mark(channel, max([after, *(line.version for line in lines)]))
            keys = [c.key for c in self._channels(session)]
            others = session.exec(
                select(ChatMessage.channel, ChatMessage.row_version).where(
                    ChatMessage.deleted == False,  # noqa: E712
                    ChatMessage.author != ORGANISER,
                )
            ).all()
        return ChatPage(channel, lines, self.marks.unread(others, keys))

    def _channels(self, session: Session) -> tuple[ChatChannel, ...]:
        stations = session.exec(
            select(Station)
            .where(Station.event_id == self.event_id, Station.deleted == False)  # noqa: E712
            .order_by(col(Station.number))
        ).all()
        return (
            ChatChannel(ALL, "All stations"),
            *(ChatChannel(station_channel(s.id), _station_title(s)) for s in stations if s.id),
        )


def post(tx: Tx, *, channel: str, body: str) -> ChatLine:
    """The organiser writes to ``channel`` ("all", or a live station's)."""
    text = check_body(body)
    if channel != ALL:
        number = channel.removeprefix("station:")
        if not channel.startswith("station:") or not number.isdigit():
            raise ValidationError("pick all stations or one station", field="channel")
        live_station(tx.session, int(number), field="channel")
    now = datetime.now(UTC)
    message = ChatMessage(channel=channel, author=ORGANISER, body=text, client_ts=now)
    return _line(event_settings.post_chat(tx, message))


def _lines(session: Session, channel: str, after: int) -> tuple[ChatLine, ...]:
    query = select(ChatMessage).where(
        ChatMessage.channel == channel,
        ChatMessage.deleted == False,  # noqa: E712
        ChatMessage.row_version > after,
    )
    if after:
        rows = session.exec(query.order_by(col(ChatMessage.row_version))).all()
    else:
        newest = session.exec(query.order_by(col(ChatMessage.row_version).desc()).limit(FIRST_PAGE))
        rows = list(reversed(newest.all()))
    return tuple(_line(row) for row in rows)


def _line(row: ChatMessage) -> ChatLine:
    return ChatLine(
        id=row.id,
        channel=row.channel,
        author=row.author,
        body=row.body,
        sent_at=row.client_ts or row.created_at,
        version=row.row_version,
        own=row.author == ORGANISER,
    )


def _station_title(station: Station) -> str:
    label = f"Station {station.number}"
    return f"{label} — {station.name}" if station.name else label
