"""The push protocol on the organiser: registration, duplicates, gaps, refusals that never
stick the queue, transient failures rolled back, and the organiser's own writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy.exc
from sqlmodel import col, select

from expresso_desktop.core.sync_protocol import (
    SCHEMA_VERSION,
    ErrorCode,
    HelloRequest,
    Mutation,
    PokeKind,
    PushRequest,
    Reason,
    ResultStatus,
)
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.context import Caller, Spec
from expresso_desktop.services.sync.mutations import HANDLERS
from expresso_desktop.services.sync.server import SyncServer
from expresso_desktop.services.sync.settings_mutations import chat_post
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChangeLog, SyncClient

from .. import helpers
from .conftest import Client


def _chat(seq: int, message_id: str | None = None) -> Mutation:
    args = {"message_id": message_id or f"m-{seq}", "channel": "all", "body": "hi"}
    return Mutation(seq, "chat.post", args)


def test_hello_registers_the_client_and_says_where_the_server_stands(
    organiser: OrganiserServices, sync: SyncServer
) -> None:
    caller = Caller("dev-1", "barista", None, "Till")
    answer = sync.hello(HelloRequest("dev-1", None, SCHEMA_VERSION, "9.9"), caller)
    assert answer.schema_max == SCHEMA_VERSION and answer.last_mutation_seq == 0
    assert answer.boot_id == sync.boot_id == sync.hello_info().boot_id
    assert sync.hello_info().kind is PokeKind.HELLO
    with read_session(organiser.engine) as session:
        row = session.get(SyncClient, "dev-1")
        assert row is not None and row.app_version == "9.9" and row.role == "barista"


def test_a_batch_applies_once_and_is_answered_duplicate_after(
    client: Callable[..., Client],
) -> None:
    one = client(1)
    first = one.send(_chat(1), _chat(2), _chat(2))  # a copy inside the batch too
    assert [r.status for r in first.results] == ["applied", "applied", "duplicate"]
    again = one.send(_chat(1), _chat(2))
    assert [r.outcome for r in again.results] == ["applied", "applied"]
    assert [r.status for r in again.results] == ["duplicate", "duplicate"]
    assert [r.version for r in again.results] == [r.version for r in first.results[:2]]
    assert again.last_mutation_seq == 2 and again.head == first.head


def test_a_gap_stops_the_batch_after_what_came_before(client: Callable[..., Client]) -> None:
    one = client(1)
    answer = one.send(_chat(1), _chat(3))
    assert answer.error is ErrorCode.GAP and answer.expected == 2
    assert [r.seq for r in answer.results] == [1] and answer.last_mutation_seq == 1


def test_requests_for_another_history_or_an_unknown_client_are_refused(
    sync: SyncServer, client: Callable[..., Client]
) -> None:
    one = client(1)
    caller = one.caller
    wrong = sync.push(PushRequest(caller.client_id, "old-epoch", (_chat(1),)), caller)
    assert wrong.error is ErrorCode.EPOCH_MISMATCH and wrong.epoch == one.epoch
    assert not wrong.ran
    stranger = Caller("never-said-hello", "barista", caller.station_id)
    lost = sync.push(PushRequest("never-said-hello", one.epoch, (_chat(1),)), stranger)
    assert lost.error is ErrorCode.CLIENT_STATE_NOT_FOUND


def test_a_poison_mutation_is_rejected_and_the_next_one_applies(
    client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def poison(ctx: Any, args: Any) -> None:
        raise ValueError("cannot digest this")

    monkeypatch.setitem(HANDLERS, "test.poison", Spec(HANDLERS["chat.post"].permission, poison))
    one = client(1)
    answer = one.send(_chat(1), Mutation(2, "test.poison"), _chat(3))
    assert [r.status for r in answer.results] == ["applied", "rejected", "applied"]
    assert answer.results[1].reason == Reason.INVALID and "cannot digest" in (
        answer.results[1].message or ""
    )
    assert answer.last_mutation_seq == 3


def test_a_database_failure_rolls_the_batch_back_for_a_retry(
    client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: Any, args: Any) -> None:
        raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    one = client(1)
    monkeypatch.setitem(HANDLERS, "chat.post", Spec(HANDLERS["chat.post"].permission, broken))
    answer = one.send(_chat(1))
    assert answer.error is ErrorCode.UNAVAILABLE and not answer.results
    monkeypatch.undo()
    assert one.send(_chat(1)).results[0].status is ResultStatus.APPLIED


def test_the_organisers_own_writes_take_the_same_path(sync: SyncServer) -> None:
    first = sync.apply_local("chat.post", {"message_id": "o-1", "channel": "all", "body": "hi"})
    second = sync.apply_local("chat.post", {"message_id": "o-2", "channel": "nowhere", "body": "x"})
    assert (first.seq, first.status) == (1, ResultStatus.APPLIED)
    assert (second.seq, second.reason) == (2, Reason.INVALID_ARGS)


def test_every_change_log_row_names_the_mutation_that_wrote_it(
    organiser: OrganiserServices, client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk-in (the order and its item), a stock use (the movement and the level) and a chat
    message: each log row carries its mutation's (client, seq); a rejected mutation's rows are
    gone with it, also when the batch is redone with a savepoint each."""

    def poison(ctx: Any, args: Any) -> None:
        chat_post(ctx, {**args, "message_id": "never"})
        raise ValueError("rejected after writing")

    monkeypatch.setitem(HANDLERS, "test.poison", Spec(HANDLERS["chat.post"].permission, poison))
    one = client(1)
    milk = helpers.stock_item(organiser, 1, "milk:full cream")
    walk_in = {"order_id": "o-1", "items": [{"drink": "latte"}]}
    use = {"item_id": milk.id, "qty": 1, "generation": milk.generation}
    answer = one.send(
        Mutation(1, "order.create", walk_in),
        Mutation(2, "test.poison", {"channel": "all", "body": "x"}),
        Mutation(3, "stock.consume", use),
        _chat(4),
    )
    assert [r.status for r in answer.results] == ["applied", "rejected", "applied", "applied"]
    first = answer.results[0].version - 1  # the walk-in wrote two rows
    with read_session(organiser.engine) as session:
        rows = session.exec(
            select(ChangeLog.entity, ChangeLog.origin_client, ChangeLog.origin_seq)
            .where(col(ChangeLog.version) >= first)
            .order_by(col(ChangeLog.version))
        ).all()
    me = one.caller.client_id
    assert [tuple(r) for r in rows] == [
        ("orders", me, 1),
        ("order_items", me, 1),
        ("stock_movements", me, 3),
        ("stock_items", me, 3),
        ("chat_messages", me, 4),
    ]
