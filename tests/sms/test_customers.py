"""A customer's conversation state: the flood window, a drink waiting for a name, and what
survives a round trip through the ``Customer`` row."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import customers
from expresso_desktop.sms.customers import (
    FLOOD_LIMIT,
    FLOOD_WINDOW,
    PENDING_TTL,
    ConversationState,
    Pending,
    specs_from_dicts,
)
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer
from expresso_desktop.store.types import utcnow

PHONE = "+61400000001"
MENU = load_default_menu()
LATTE = {"drink": "latte", "size": "large", "milk": "oat", "sugar": 0, "quantity": 1, "extras": []}


def texts(state: ConversationState, count: int, start_s: float = 0) -> list[tuple[bool, bool]]:
    """Count ``count`` texts one second apart; (over the limit, tell them) for each."""
    start = utcnow()
    seen = []
    for i in range(count):
        state, over, tell = state.count_text(start + timedelta(seconds=start_s + i))
        seen.append((over, tell))
    return seen


# -- the flood limit ------------------------------------------------------------------------------
def test_the_limit_allows_flood_limit_texts_a_minute_then_tells_once() -> None:
    seen = texts(ConversationState(), FLOOD_LIMIT + 5)
    assert seen[:FLOOD_LIMIT] == [(False, False)] * FLOOD_LIMIT
    assert seen[FLOOD_LIMIT] == (True, True)  # the one "slow down"
    assert seen[FLOOD_LIMIT + 1 :] == [(True, False)] * 4  # then silence


def test_the_window_slides_and_a_new_window_may_be_told_again() -> None:
    start = utcnow()
    state = ConversationState()
    for i in range(FLOOD_LIMIT + 1):
        state, over, tell = state.count_text(start + timedelta(seconds=i))
    assert over and tell
    # A minute after the burst the old texts have left the window.
    after = start + FLOOD_WINDOW + timedelta(seconds=FLOOD_LIMIT + 1)
    state, over, tell = state.count_text(after)
    assert (over, tell) == (False, False)
    assert len(state.recent) <= FLOOD_LIMIT + 1  # the window never grows without bound
    # A second burst in a later window hears "slow down" once more.
    later = after + FLOOD_WINDOW * 2
    results = []
    for i in range(FLOOD_LIMIT + 2):
        state, over, tell = state.count_text(later + timedelta(seconds=i))
        results.append((over, tell))
    assert results.count((True, True)) == 1


def test_a_steady_trickle_under_the_limit_is_never_limited() -> None:
    start = utcnow()
    state = ConversationState()
    spacing = FLOOD_WINDOW / FLOOD_LIMIT + timedelta(milliseconds=100)
    for i in range(FLOOD_LIMIT * 5):
        state, over, _ = state.count_text(start + spacing * i)
        assert not over, i


# -- the drink waiting for a name ---------------------------------------------------------------
def test_a_pending_drink_lives_for_the_ttl_only() -> None:
    at = utcnow()
    state = ConversationState().with_pending(Pending((LATTE,), 2, at))
    assert state.live_pending(at + PENDING_TTL) == state.pending
    assert state.live_pending(at + PENDING_TTL + timedelta(seconds=1)) is None
    assert state.with_pending(None).live_pending(at) is None


def test_pending_items_come_back_as_drinks_of_todays_menu() -> None:
    pending = Pending((LATTE, {**LATTE, "drink": "chai latte"}), None, utcnow())
    assert pending.specs(MENU) == [
        DrinkSpec("latte", "large", "oat"),
        DrinkSpec("chai latte", "large", "oat"),
    ]
    # The event stopped serving chai: that drink is dropped, the latte still stands.
    assert pending.specs(MENU.without(drinks=["chai latte"])) == [
        DrinkSpec("latte", "large", "oat")
    ]


def test_specs_from_dicts_tolerates_whatever_was_stored() -> None:
    assert specs_from_dicts(None, MENU) == []
    assert specs_from_dicts("latte", MENU) == []
    assert specs_from_dicts([LATTE, {"drink": "babyccino"}], MENU) == [
        DrinkSpec("latte", "large", "oat")
    ]


# -- storing the state --------------------------------------------------------------------------
def test_the_state_round_trips_and_keeps_keys_it_does_not_know() -> None:
    at = utcnow()
    state = ConversationState(
        pending=Pending((LATTE,), 3, at),
        recent=(1.5, 2.5),
        flood_notice_at=2.5,
        extra={"future_key": {"x": 1}},
    )
    dumped = state.dump()
    assert dumped is not None
    assert dumped["future_key"] == {"x": 1}
    assert ConversationState.load(dumped) == state
    assert ConversationState().dump() is None  # nothing to keep: the column stays NULL


def test_a_damaged_state_loads_as_much_as_it_can() -> None:
    loaded = ConversationState.load(
        {
            "pending": {"items": [LATTE, "junk"], "station": "two", "at": "not a date"},
            "recent": [1, "x", 2.5, None],
            "flood_notice_at": "soon",
        }
    )
    assert loaded.pending is None  # a bad timestamp: the drink is forgotten, nothing raises
    assert loaded.recent == (1.0, 2.5)
    assert loaded.flood_notice_at is None
    raw = {"items": [LATTE, 7], "station": "two", "at": "2024-05-01T09:00:00+00:00"}
    ok = ConversationState.load({"pending": raw})
    assert ok.pending is not None
    assert ok.pending.items == (LATTE,) and ok.pending.station is None
    assert ConversationState.load(None) == ConversationState()
    assert ConversationState.load({"recent": "nope"}).recent == ()


def test_get_or_create_finds_the_customer_by_phone_and_the_state_survives_a_commit(
    services: OrganiserServices,
) -> None:
    first_seen = utcnow()

    def first(tx: Tx) -> int:
        customer = customers.get_or_create(tx.session, PHONE, first_seen)
        state, _, _ = customers.state_of(customer).count_text(first_seen)
        customers.save_state(customer, state.with_pending(Pending((LATTE,), 2, first_seen)))
        tx.session.add(customer)
        assert customer.id is not None
        return customer.id

    customer_id = services.writer.run_sync(first)
    later = first_seen + timedelta(minutes=5)

    def second(tx: Tx) -> tuple[int | None, ConversationState]:
        customer = customers.get_or_create(tx.session, PHONE, later)
        return customer.id, customers.state_of(customer)

    again_id, state = services.writer.run_sync(second)
    assert again_id == customer_id
    assert state.recent == (first_seen.timestamp(),)
    assert state.pending is not None and state.pending.station == 2
    with read_session(services.engine) as session:
        (row,) = session.exec(select(Customer)).all()
    assert row.phone == PHONE and row.created_at == first_seen and row.last_seen == later
