"""Orders: the status state machine and readable order numbers.

Statuses form a monotone lattice (new < in_progress < ready < collected) plus the terminal
``cancelled``. Transitions are pure functions: they return the new status or raise
:class:`IllegalTransition` with a reason a barista can read. Skipping forward is allowed (an
offline barista may report start+ready at once); moving backwards never is, except through the
explicit ``undo`` of the last tap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal, get_args

from expresso_desktop.core.errors import IllegalTransition


class OrderStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (OrderStatus.COLLECTED, OrderStatus.CANCELLED)

    @property
    def rank(self) -> int:
        return _RANK[self]


# The one vocabulary for showing a status: on screens (``STATUS_LABELS``) and to customers
# (``STATUS_PHRASES``: "your order is …"). Nowhere else spells these out.
STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.NEW: "New",
    OrderStatus.IN_PROGRESS: "Making",
    OrderStatus.READY: "Ready",
    OrderStatus.COLLECTED: "Collected",
    OrderStatus.CANCELLED: "Cancelled",
}
STATUS_PHRASES: dict[OrderStatus, str] = {
    OrderStatus.NEW: "in the queue",
    OrderStatus.IN_PROGRESS: "being made",
    OrderStatus.READY: "ready",
    OrderStatus.COLLECTED: "collected",
    OrderStatus.CANCELLED: "cancelled",
}
# The statuses as a type, for the store's column and the API's schema (a Literal must be spelt
# out; ``_check_status_names`` keeps it equal to the enum).
StatusName = Literal["new", "in_progress", "ready", "collected", "cancelled"]
ORDER_STATUSES: tuple[str, ...] = tuple(s.value for s in OrderStatus)
OPEN_STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus.NEW,
    OrderStatus.IN_PROGRESS,
    OrderStatus.READY,
)


def status_label(status: str) -> str:
    """``in_progress`` → ``Making``; an unknown value is shown as it is."""
    try:
        return STATUS_LABELS[OrderStatus(status)]
    except ValueError:
        return status


def status_phrase(status: str) -> str:
    """``in_progress`` → ``being made`` (a customer reads "your order is …"); an unknown value
    is shown as it is."""
    try:
        return STATUS_PHRASES[OrderStatus(status)]
    except ValueError:
        return status


def _check_status_names() -> None:
    if get_args(StatusName) != ORDER_STATUSES:
        raise AssertionError(f"StatusName {get_args(StatusName)} != OrderStatus {ORDER_STATUSES}")


_check_status_names()

_RANK = {
    OrderStatus.NEW: 0,
    OrderStatus.IN_PROGRESS: 1,
    OrderStatus.READY: 2,
    OrderStatus.COLLECTED: 3,
    OrderStatus.CANCELLED: 3,
}

ACTIVE_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.IN_PROGRESS, OrderStatus.READY})


class Action(StrEnum):
    START = "start"
    READY = "ready"
    COLLECT = "collect"
    CANCEL = "cancel"


_TARGET = {
    Action.START: OrderStatus.IN_PROGRESS,
    Action.READY: OrderStatus.READY,
    Action.COLLECT: OrderStatus.COLLECTED,
    Action.CANCEL: OrderStatus.CANCELLED,
}


def target_of(action: Action) -> OrderStatus:
    return _TARGET[action]


def transition(current: OrderStatus, action: Action) -> OrderStatus:
    """The status after ``action``, or :class:`IllegalTransition` saying why not.

    Forward skips are legal (new → ready); repeats and backward moves are not.
    """
    current = OrderStatus(current)
    target = _TARGET[Action(action)]
    if current.terminal:
        code = "conflict_terminal" if target.terminal else "superseded"
        raise IllegalTransition(f"order is already {current.value}", code=code)
    if target is OrderStatus.CANCELLED:
        return target
    if target.rank <= current.rank:
        raise IllegalTransition(
            f"order is already {current.value.replace('_', ' ')}", code="superseded"
        )
    return target


def can(current: OrderStatus, action: Action) -> bool:
    try:
        transition(current, action)
    except IllegalTransition:
        return False
    return True


def undo_target(current: OrderStatus, previous: OrderStatus) -> OrderStatus:
    """Undoing the last tap returns to ``previous``; only a one-step backwards move of a tap is
    allowed (a mis-tap on Done), and never out of cancelled."""
    current, previous = OrderStatus(current), OrderStatus(previous)
    if current is OrderStatus.CANCELLED:
        raise IllegalTransition("a cancelled order cannot be undone", code="not_undoable")
    if previous.rank >= current.rank or previous.terminal:
        raise IllegalTransition("nothing to undo", code="not_undoable")
    return previous


def undo_of(current: OrderStatus, *, started: bool) -> OrderStatus:
    """Where undoing the last tap leaves an order (the organiser and a station's replica
    alike): collected → ready, ready → in progress (new if it was never started), in progress
    → new. Nothing to undo on a new order, and never out of cancelled (``not_undoable``)."""
    current = OrderStatus(current)
    if current is OrderStatus.COLLECTED:
        previous = OrderStatus.READY
    elif current is OrderStatus.READY and started:
        previous = OrderStatus.IN_PROGRESS
    else:
        previous = OrderStatus.NEW
    return undo_target(current, previous)


@dataclass(frozen=True, slots=True)
class Timestamps:
    """When an order reached each status (wall clock; for display and make-time stats only)."""

    created_at: datetime
    started_at: datetime | None = None
    ready_at: datetime | None = None
    collected_at: datetime | None = None
    cancelled_at: datetime | None = None

    def stamped(self, status: OrderStatus, at: datetime) -> Timestamps:
        field = {
            OrderStatus.IN_PROGRESS: "started_at",
            OrderStatus.READY: "ready_at",
            OrderStatus.COLLECTED: "collected_at",
            OrderStatus.CANCELLED: "cancelled_at",
        }.get(status)
        if field is None or getattr(self, field) is not None:
            return self
        return replace(self, **{field: at})

    def make_seconds(self) -> float | None:
        """Seconds from start (or creation, if a barista skipped Start) to ready."""
        if self.ready_at is None:
            return None
        begin = self.started_at or self.created_at
        return max(0.0, (self.ready_at - begin).total_seconds())


# -- order numbers ---------------------------------------------------------------------------
# Letters that survive a loud room and a glance at a board: no I/O/Q (read as digits), no S/Z
# (read as 5/2) and no B/D (misheard as each other).
NUMBER_LETTERS = "ACEFGHJKLMNPRTUVWXY"
_PER_LETTER = 999
_NUMBER_RE = re.compile(r"^\s*#?\s*([A-Za-z])\s*-?\s*0*(\d{1,3})\s*$")


def format_order_number(serial: int) -> str:
    """Serial 1 → ``A001``, 999 → ``A999``, 1000 → ``C001``; after ``Y999`` come two letters
    (``AA001``), so numbers never repeat within an event."""
    if serial < 1:
        raise ValueError(f"order serials start at 1, not {serial}")
    block, within = divmod(serial - 1, _PER_LETTER)
    base = len(NUMBER_LETTERS)
    letters = ""
    block += 1  # bijective numbering: 1 → A, base → Y, base + 1 → AA
    while block:
        block, rest = divmod(block - 1, base)
        letters = NUMBER_LETTERS[rest] + letters
    return f"{letters}{within + 1:03d}"


def parse_order_number(text: str) -> str | None:
    """Normalise what a person typed ("a42", "#A042", "A-42") to ``A042``; None if not one."""
    m = _NUMBER_RE.match(text)
    if not m:
        return None
    letter, digits = m.group(1).upper(), int(m.group(2))
    if letter not in NUMBER_LETTERS or not 1 <= digits <= _PER_LETTER:
        return None
    return f"{letter}{digits:03d}"
