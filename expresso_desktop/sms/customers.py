"""Customers as the conversation sees them: found by phone, with a small typed state.

``Customer.conversation_state_json`` holds where a multi-text conversation stands (a drink waiting
for the customer's name) and the times of their recent texts (the flood limit), so both survive a
restart. Customer rows are organiser-only (they carry phone numbers): they are never emitted to the
change log, which is the stations' sync feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec, drink_spec_from_dict
from expresso_desktop.core.menu import Menu
from expresso_desktop.services.writer import Tx
from expresso_desktop.store import raw
from expresso_desktop.store.tables import Customer

# A drink asked about but never completed with a name is forgotten after this.
PENDING_TTL = timedelta(minutes=30)
FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_LIMIT = 10  # texts per window; the next one gets one "slow down" reply per window


# What a pending order waits for: the customer's name, or a YES to its size or to the wait.
ASKS = ("name", "size", "wait")


@dataclass(frozen=True)
class Pending:
    """An order waiting for the customer's answer to the question ``ask`` (``ASKS``)."""

    items: tuple[dict[str, Any], ...]
    station: int | None
    at: datetime
    vip: bool = False
    ask: str = "name"

    def specs(self, menu: Menu) -> list[DrinkSpec]:
        return specs_from_dicts(self.items, menu)

    def who(self) -> tuple[str | None, ...]:
        """Per item: the friend it is for (stored beside the drink as "for")."""
        return tuple(i.get("for") if isinstance(i.get("for"), str) else None for i in self.items)


@dataclass(frozen=True)
class ConversationState:
    pending: Pending | None = None
    recent: tuple[float, ...] = ()  # POSIX times of recent texts (the flood window)
    flood_notice_at: float | None = None
    sponsor_shown: int = 0  # confirmations that carried the sponsor line
    sponsor_dropped: int = 0  # ... and that left it off to stay in one segment
    extra: dict[str, Any] = field(default_factory=dict)  # keys we don't know: kept as they were

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> ConversationState:
        data = dict(data or {})
        pending = None
        raw = data.pop("pending", None)
        if isinstance(raw, dict) and isinstance(raw.get("items"), list):
            try:
                pending = Pending(
                    items=tuple(i for i in raw["items"] if isinstance(i, dict)),
                    station=raw.get("station") if isinstance(raw.get("station"), int) else None,
                    at=datetime.fromisoformat(str(raw["at"])),
                    vip=raw.get("vip") is True,
                    ask=raw["ask"] if raw.get("ask") in ASKS else "name",
                )
            except (KeyError, ValueError):
                pending = None
        recent = data.pop("recent", [])
        notice = data.pop("flood_notice_at", None)
        sponsor = data.pop("sponsor", None)
        shown, dropped = _counts(sponsor)
        return cls(
            pending=pending,
            recent=tuple(float(t) for t in recent if isinstance(t, int | float))
            if isinstance(recent, list)
            else (),
            flood_notice_at=float(notice) if isinstance(notice, int | float) else None,
            sponsor_shown=shown,
            sponsor_dropped=dropped,
            extra=data,
        )

    def dump(self) -> dict[str, Any] | None:
        data: dict[str, Any] = dict(self.extra)
        if self.pending is not None:
            data["pending"] = {
                "items": list(self.pending.items),
                "station": self.pending.station,
                "at": self.pending.at.isoformat(),
                "vip": self.pending.vip,
                "ask": self.pending.ask,
            }
        if self.sponsor_shown or self.sponsor_dropped:
            data["sponsor"] = {"shown": self.sponsor_shown, "dropped": self.sponsor_dropped}
        if self.recent:
            data["recent"] = list(self.recent)
        if self.flood_notice_at is not None:
            data["flood_notice_at"] = self.flood_notice_at
        return data or None

    def with_pending(self, pending: Pending | None) -> ConversationState:
        return replace(self, pending=pending)

    def with_sponsor(self, *, dropped: bool) -> ConversationState:
        if dropped:
            return replace(self, sponsor_dropped=self.sponsor_dropped + 1)
        return replace(self, sponsor_shown=self.sponsor_shown + 1)

    def live_pending(self, now: datetime) -> Pending | None:
        if self.pending is None or now - self.pending.at > PENDING_TTL:
            return None
        return self.pending

    def count_text(self, now: datetime) -> tuple[ConversationState, bool, bool]:
        """Record one text at ``now``. Returns the new state, whether the number is over the
        limit, and whether it should be told so (once per window)."""
        stamp = now.timestamp()
        horizon = stamp - FLOOD_WINDOW.total_seconds()
        recent = (*[t for t in self.recent if t > horizon][-FLOOD_LIMIT:], stamp)
        if len(recent) <= FLOOD_LIMIT:
            return replace(self, recent=recent), False, False
        if self.flood_notice_at is not None and self.flood_notice_at > horizon:
            return replace(self, recent=recent), True, False
        return replace(self, recent=recent, flood_notice_at=stamp), True, True


def specs_from_dicts(items: Any, menu: Menu) -> list[DrinkSpec]:
    """Stored items (a usual, a pending order) as drinks of today's menu; entries the menu no
    longer has are dropped rather than failing the whole order."""
    specs = []
    for item in items if isinstance(items, list | tuple) else ():
        try:
            specs.append(drink_spec_from_dict(item, menu))
        except ValidationError:
            continue
    return specs


def _counts(raw: Any) -> tuple[int, int]:
    if not isinstance(raw, dict):
        return 0, 0
    shown, dropped = raw.get("shown"), raw.get("dropped")
    return (
        shown if isinstance(shown, int) and shown > 0 else 0,
        dropped if isinstance(dropped, int) and dropped > 0 else 0,
    )


SPONSOR_SETTING = "sponsor_line"  # the event setting: a line a confirmation may carry


@dataclass(frozen=True)
class SponsorStats:
    """How the sponsor line fared: it rides on a confirmation only when it costs no extra
    segment, so the organiser can see how often it was dropped to save money."""

    shown: int
    dropped: int

    @property
    def offered(self) -> int:
        return self.shown + self.dropped


def sponsor_line_stats(session: Session) -> SponsorStats:
    """For the organiser: confirmations that carried the sponsor line, and those that left it
    off to stay in one SMS segment (kept per customer, so no extra write per text)."""
    shown = dropped = 0
    rows = session.exec(
        select(Customer.conversation_state_json).where(
            col(Customer.conversation_state_json).is_not(None)
        )
    )
    for data in rows.all():
        one, two = _counts(data.get("sponsor") if isinstance(data, dict) else None)
        shown, dropped = shown + one, dropped + two
    return SponsorStats(shown, dropped)


@dataclass
class CustomerRow:
    """A customer as the conversation reads and changes it: a plain row (no ORM object on the
    per-text path), read by ``arrive`` and written back by ``save``."""

    id: int
    phone: str
    name: str | None
    usual_json: list[dict[str, Any]] | None
    opted_out: bool
    opted_out_at: datetime | None
    conversation_state_json: dict[str, Any] | None


_TABLE = Customer.__table__  # type: ignore[attr-defined]
_READ = ("id", "name", "usual_json", "opted_out", "opted_out_at", "conversation_state_json")
_WRITE = ("name", "usual_json", "opted_out", "opted_out_at", "conversation_state_json")
# Found by phone or created, and seen now, in one statement.
_ARRIVE = raw.Insert(
    _TABLE,
    ("phone", "opted_out", "created_at", "last_seen"),
    suffix=" ON CONFLICT (phone) DO UPDATE SET last_seen = excluded.last_seen",
    returning=", ".join(_TABLE.columns[key].name for key in _READ),
)
_READERS = tuple(raw.result_processor(_TABLE.columns[key]) for key in _READ)
_SAVE_SQL = (
    f"UPDATE {_TABLE.name} SET "
    + ", ".join(f"{_TABLE.columns[key].name} = ?" for key in _WRITE)
    + " WHERE id = ?"
)
_WRITERS = tuple(raw.bind_processor(_TABLE.columns[key]) for key in _WRITE)


def arrive(tx: Tx, phone: str, now: datetime) -> CustomerRow:
    """The customer texting from ``phone`` (created on their first text), seen at ``now``."""
    values = {"phone": phone, "opted_out": False, "created_at": now, "last_seen": now}
    row = _ARRIVE.one(tx.session, values)
    tx.changes.touched.add(_TABLE.name)
    read = [v if proc is None else proc(v) for v, proc in zip(row, _READERS, strict=True)]
    return CustomerRow(read[0], phone, *read[1:])


def save(tx: Tx, customer: CustomerRow) -> None:
    """Write back what the conversation changed (name, usual, opt-out, state)."""
    values = (getattr(customer, key) for key in _WRITE)
    params = [v if proc is None else proc(v) for v, proc in zip(values, _WRITERS, strict=True)]
    raw.execute(tx.session, _SAVE_SQL, (*params, customer.id))


def get_or_create(session: Session, phone: str, now: datetime) -> Customer:
    customer = session.exec(select(Customer).where(Customer.phone == phone)).first()
    if customer is None:
        customer = Customer(phone=phone, created_at=now)
    customer.last_seen = now
    session.add(customer)
    session.flush()
    return customer


def state_of(customer: Customer | CustomerRow) -> ConversationState:
    return ConversationState.load(customer.conversation_state_json)


def save_state(customer: Customer | CustomerRow, state: ConversationState) -> None:
    # A new dict every time: JSON columns don't track in-place edits.
    customer.conversation_state_json = state.dump()
