"""Chat between the organiser and the stations, as both ends show it: the channels ("all", or
one station's "station:<id>" with the organiser), a message as a line of the thread, and what
a reader has seen (the unread counts a badge shows, kept in memory).

Display order is the organiser's commit order (``row_version``); a station's own message the
organiser does not have yet has version 0 and is shown last, "sending…"."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from expresso_desktop.core.errors import ValidationError

ALL = "all"
ORGANISER = "Organiser"  # the author of what the organiser's window posts
MAX_BODY = 1000  # what the organiser accepts (the LAN API and the sync mutation alike)


def station_channel(station_id: int) -> str:
    return f"station:{station_id}"


def check_body(body: str) -> str:
    """The message as it will be sent: trimmed, not empty, not too long."""
    text = body.strip()
    if not text:
        raise ValidationError("type a message first", field="body")
    if len(text) > MAX_BODY:
        raise ValidationError(f"a message is at most {MAX_BODY} characters", field="body")
    return text


@dataclass(frozen=True, slots=True)
class ChatChannel:
    key: str  # "all", "station:2"
    title: str  # what the channel picker shows


@dataclass(frozen=True, slots=True)
class ChatLine:
    id: str
    channel: str
    author: str
    body: str  # as typed: plain text, never markup
    sent_at: datetime  # the sender's clock (display only)
    version: int  # display order; 0 while it waits to reach the organiser
    own: bool  # written here (this window, or this station)

    @property
    def pending(self) -> bool:
        return self.version == 0

    @property
    def order_key(self) -> tuple[bool, int, datetime, str]:
        return (self.pending, self.version, self.sent_at, self.id)


@dataclass(frozen=True, slots=True)
class ChatPage:
    """What one read found: ``lines`` of ``channel`` newer than the version asked from (and
    every line still sending), and the unread count of every channel that has any."""

    channel: str
    lines: tuple[ChatLine, ...]
    unread: tuple[tuple[str, int], ...]

    def unread_in(self, channel: str) -> int:
        return dict(self.unread).get(channel, 0)


class ReadMarks:
    """The newest version a person has looked at, per channel. Thread-safe: reads run in
    worker threads. Kept in memory only: after a restart, what others wrote counts as new."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}

    def seen(self, channel: str) -> int:
        with self._lock:
            return self._seen.get(channel, 0)

    def mark(self, channel: str, version: int) -> None:
        with self._lock:
            self._seen[channel] = max(version, self._seen.get(channel, 0))

    def unread(
        self, others: Iterable[tuple[str, int]], channels: Iterable[str]
    ) -> tuple[tuple[str, int], ...]:
        """Counts per channel (among ``channels``) of ``others``' (channel, version) pairs
        newer than what was seen there."""
        wanted = tuple(channels)
        with self._lock:
            seen: Mapping[str, int] = dict(self._seen)
        counts = dict.fromkeys(wanted, 0)
        for channel, version in others:
            if channel in counts and version > seen.get(channel, 0):
                counts[channel] += 1
        return tuple((key, counts[key]) for key in wanted if counts[key])
