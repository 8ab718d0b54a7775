"""A station's side of the chat with the organiser, read from its replica: its channels (all
stations, and this station with the organiser), a channel's messages since a version (its own
ones still in the outbox too, "sending…"), what others wrote that nobody here has looked at yet
(kept in memory), and a post — a tap like any other, through the outbox (online or offline).

Every call is blocking SQLite work: a window runs it off the GUI thread."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.chat import (
    ALL,
    ChatChannel,
    ChatLine,
    ChatPage,
    ReadMarks,
    check_body,
    station_channel,
)
from expresso_desktop.core.sync_protocol import MutationName
from expresso_desktop.store import sync_rows

from . import outbox
from .replica import Replica, get

FIRST_PAGE = 300  # a channel opened shows its newest messages


class StationChat:
    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.marks = ReadMarks()

    def channels(self) -> tuple[ChatChannel, ...]:
        with self.replica.read() as conn:
            return _channels(conn)

    def read(self, channel: str, after: int = 0, *, viewing: bool = False) -> ChatPage:
        """``channel``'s messages newer than ``after`` (its newest ``FIRST_PAGE`` when 0) and
        this station's own still on their way; ``viewing``: someone here is looking at it."""
        t = sync_rows.table("chat_messages")
        with self.replica.read() as conn:
            own = _own_ids(conn)
            lines = _lines(conn, channel, after, own)
            keys = [c.key for c in _channels(conn)]
            others = [
                (c, v)
                for i, c, v in conn.execute(
                    sa.select(t.c.id, t.c.channel, t.c.row_version).where(
                        t.c.deleted == sa.false(), t.c.row_version > 0
                    )
                )
                if i not in own
            ]
        if viewing:
            self.marks.mark(channel, max([after, *(line.version for line in lines)]))
        return ChatPage(channel, lines, self.marks.unread(others, keys))

    def post(self, channel: str, body: str) -> str:
        """Queue a message to ``channel`` (shown here at once); returns its id."""
        message_id = str(uuid.uuid4())
        args: dict[str, Any] = {
            "message_id": message_id,
            "channel": channel,
            "body": check_body(body),
            "client_ts": datetime.now(UTC).isoformat(),
        }
        outbox.record(self.replica, MutationName.CHAT_POST.value, args)
        return message_id


def _channels(conn: Connection) -> tuple[ChatChannel, ...]:
    mine = get(conn, "station_id")
    channels = [ChatChannel(ALL, "All")]
    if mine:
        channels.append(ChatChannel(station_channel(int(mine)), "Organiser ↔ this station"))
    return tuple(channels)


def _own_ids(conn: Connection) -> frozenset[str]:
    """The messages this station wrote: its outbox keeps every chat it posted."""
    ob = outbox.OUTBOX
    ids = conn.execute(
        sa.select(sa.func.json_extract(ob.c.args_json, "$.message_id")).where(
            ob.c.name == MutationName.CHAT_POST.value
        )
    ).scalars()
    return frozenset(str(i) for i in ids if i)


def _lines(conn: Connection, channel: str, after: int, own: frozenset[str]) -> tuple[ChatLine, ...]:
    t = sync_rows.table("chat_messages")
    live = sa.and_(t.c.channel == channel, t.c.deleted == sa.false())
    waiting = sa.select(t).where(live, t.c.row_version == 0)
    newer = sa.select(t).where(live, t.c.row_version > after)
    if after:
        rows = list(conn.execute(newer.order_by(t.c.row_version)).mappings())
    else:
        newest = newer.order_by(t.c.row_version.desc()).limit(FIRST_PAGE)
        rows = list(reversed(list(conn.execute(newest).mappings())))
    rows += conn.execute(waiting.order_by(t.c.created_at)).mappings()
    lines = {str(r["id"]): _line(r, own) for r in rows}
    return tuple(sorted(lines.values(), key=lambda line: line.order_key))


def _line(row: Any, own: frozenset[str]) -> ChatLine:
    sent = row["client_ts"] or row["created_at"]
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    return ChatLine(
        id=str(row["id"]),
        channel=str(row["channel"]),
        author=str(row["author"]),
        body=str(row["body"]),
        sent_at=sent,
        version=int(row["row_version"]),
        own=str(row["id"]) in own,
    )
