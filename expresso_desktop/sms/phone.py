"""The organiser window's built-in phone, without Qt: text the running webhook as a customer
would (a signed ``POST /sms``, the same path as Twilio's) and read that phone's conversation
from the SMS log.

``send`` is a coroutine for the service loop; ``conversation`` is a blocking snapshot read (a
window runs it off the GUI thread through its op runner).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from expresso_desktop.errors import KnownError
from expresso_desktop.sms.simulator import Target, inbox, send_texts

CONVERSATION_LIMIT = 40


@dataclass(frozen=True, slots=True)
class PhoneLine:
    at: datetime
    from_customer: bool  # the phone's owner wrote it (else Expresso did)
    body: str  # customer text: show as plain text

    @property
    def text(self) -> str:
        who = "You" if self.from_customer else "Expresso"
        return f"{self.at.astimezone().strftime('%H:%M')}  {who}: {self.body}"


@dataclass(frozen=True, slots=True)
class Conversation:
    phone: str
    lines: tuple[PhoneLine, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class TextSent:
    phone: str
    body: str
    replies: tuple[str, ...]  # what the webhook answered at once (none is a valid answer)


class SimulatedPhone:
    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self._engine = engine
        self._data_dir = data_dir

    async def send(self, phone: str, body: str) -> TextSent:
        """Text ``body`` from ``phone``. ``KnownError`` when no simulator webhook runs with
        this data folder, or it cannot be reached or refuses the signature."""
        phone, body = phone.strip(), body.strip()
        if not phone or not body:
            raise KnownError("type a phone number and a text first")
        target = await asyncio.to_thread(Target.for_data_dir, self._data_dir)
        (replies,) = await send_texts(target, phone, [body])
        return TextSent(phone, body, tuple(replies))

    def conversation(self, phone: str, *, limit: int = CONVERSATION_LIMIT) -> Conversation:
        phone = phone.strip()
        rows = inbox(self._engine, phone, limit=limit) if phone else []
        return Conversation(
            phone,
            tuple(PhoneLine(r.created_at, r.direction != "out", r.body) for r in rows),
        )
