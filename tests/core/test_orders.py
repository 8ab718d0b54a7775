from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.orders import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    ORDER_STATUSES,
    STATUS_LABELS,
    STATUS_PHRASES,
    Action,
    OrderStatus,
    StatusName,
    Timestamps,
    can,
    format_order_number,
    parse_order_number,
    status_label,
    status_phrase,
    transition,
    undo_target,
)

S = OrderStatus


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        (S.NEW, Action.START, S.IN_PROGRESS),
        (S.IN_PROGRESS, Action.READY, S.READY),
        (S.READY, Action.COLLECT, S.COLLECTED),
        (S.NEW, Action.READY, S.READY),  # offline start+ready arrives as one forward skip
        (S.NEW, Action.CANCEL, S.CANCELLED),
        (S.IN_PROGRESS, Action.CANCEL, S.CANCELLED),
        (S.READY, Action.CANCEL, S.CANCELLED),
    ],
)
def test_legal_transitions(current: OrderStatus, action: Action, expected: OrderStatus) -> None:
    assert transition(current, action) is expected


@pytest.mark.parametrize(
    ("current", "action", "code"),
    [
        (S.READY, Action.START, "superseded"),
        (S.IN_PROGRESS, Action.START, "superseded"),
        (S.COLLECTED, Action.READY, "superseded"),
        (S.COLLECTED, Action.CANCEL, "conflict_terminal"),
        (S.CANCELLED, Action.COLLECT, "conflict_terminal"),
        (S.CANCELLED, Action.START, "superseded"),
    ],
)
def test_illegal_transitions_say_why(current: OrderStatus, action: Action, code: str) -> None:
    with pytest.raises(IllegalTransition) as info:
        transition(current, action)
    assert info.value.code == code
    assert current.value.replace("_", " ") in info.value.reason


@given(st.lists(st.sampled_from(list(Action)), max_size=12))
def test_status_never_moves_backwards(actions: list[Action]) -> None:
    status = S.NEW
    for action in actions:
        if can(status, action):
            new = transition(status, action)
            assert new.rank >= status.rank
            assert not status.terminal
            status = new


def test_undo_only_steps_back_a_tap() -> None:
    assert undo_target(S.READY, S.IN_PROGRESS) is S.IN_PROGRESS
    with pytest.raises(IllegalTransition):
        undo_target(S.CANCELLED, S.NEW)
    with pytest.raises(IllegalTransition):
        undo_target(S.NEW, S.READY)


def test_make_time_from_start_or_creation() -> None:
    t0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    ts = Timestamps(created_at=t0).stamped(S.IN_PROGRESS, t0 + timedelta(seconds=30))
    ts = ts.stamped(S.READY, t0 + timedelta(seconds=120))
    assert ts.make_seconds() == 90
    # a second stamp of the same status keeps the first time
    assert ts.stamped(S.READY, t0 + timedelta(hours=1)).ready_at == t0 + timedelta(seconds=120)
    skipped = Timestamps(created_at=t0).stamped(S.READY, t0 + timedelta(seconds=75))
    assert skipped.make_seconds() == 75


def test_order_numbers_are_short_unique_and_readable() -> None:
    assert format_order_number(1) == "A001"
    assert format_order_number(42) == "A042"
    assert format_order_number(999) == "A999"
    assert format_order_number(1000) == "C001"  # B would be misheard as D/E/P/T
    assert format_order_number(19 * 999) == "Y999"
    assert format_order_number(19 * 999 + 1) == "AA001"
    numbers = [format_order_number(i) for i in range(1, 40_000)]
    assert len(set(numbers)) == len(numbers)
    assert not any(set(n) & set("BDIOQSZ") for n in numbers)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("A042", "A042"), ("a42", "A042"), ("#A042", "A042"), ("A-42", "A042"), (" c7 ", "C007")],
)
def test_parse_order_number(typed: str, number: str) -> None:
    assert parse_order_number(typed) == number


@pytest.mark.parametrize("typed", ["", "42", "AB12", "O001", "A0000", "A1000", "latte"])
def test_parse_order_number_rejects(typed: str) -> None:
    assert parse_order_number(typed) is None


# -- the one status vocabulary ----------------------------------------------------------------


def test_every_status_has_a_label_and_a_customer_phrase() -> None:
    assert set(STATUS_LABELS) == set(STATUS_PHRASES) == set(OrderStatus)
    assert ORDER_STATUSES == ("new", "in_progress", "ready", "collected", "cancelled")
    assert get_args(StatusName) == ORDER_STATUSES  # the Literal the store and the API use
    assert set(OPEN_STATUSES) == ACTIVE_STATUSES
    assert all(not s.terminal for s in OPEN_STATUSES)


@pytest.mark.parametrize(
    ("status", "label", "phrase"),
    [
        ("new", "New", "in the queue"),
        ("in_progress", "Making", "being made"),
        (OrderStatus.READY, "Ready", "ready"),
        ("collected", "Collected", "collected"),
        ("cancelled", "Cancelled", "cancelled"),
        ("brewing", "brewing", "brewing"),  # unknown (a newer peer's status): shown as it is
    ],
)
def test_status_label_and_phrase(status: str, label: str, phrase: str) -> None:
    assert status_label(status) == label
    assert status_phrase(status) == phrase
