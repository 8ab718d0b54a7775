"""design/sync.md's adversarial scenarios about orders and the push protocol, one test each
(T1, T4, T5, T7, T8, T10, T12, T14, T17, T18). Recovery scenarios: test_scenarios_recovery.py;
real processes: test_real_processes.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from expresso_desktop.core.sync_protocol import (
    ErrorCode,
    HelloRequest,
    Mutation,
    PushRequest,
    Reason,
    ResultStatus,
)
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.sync.context import Caller, Spec
from expresso_desktop.services.sync.mutations import HANDLERS
from expresso_desktop.store.engine import read_session
from expresso_desktop.sync import outbox
from expresso_desktop.sync.mutators import LocalRefusal

from .harness import Organiser, StationNode
from .oracle import check_all, quiesce

Make = Callable[..., StationNode]


def _count(org: Organiser, sql: str, **params: Any) -> int:
    with read_session(org.services.engine) as s:
        return int(s.connection().execute(text(sql), params).scalar() or 0)


def _body(node: StationNode, mutations: list[Mutation] | None = None) -> PushRequest:
    if mutations is None:
        mutations = [r.mutation() for r in node.outbox() if r.status == "pending"]
    return PushRequest(node.replica.client_id, node.replica.epoch or "", tuple(mutations))


async def test_t1_the_same_push_twice_applies_once(org: Organiser, station: Make) -> None:
    node = await _ready(station())
    item = org.stock_items(node.station_id)[0]
    node.tap("order.create", order_id="walk-in-t1-0001", station_id=node.station_id,
             items=[{"drink": "latte"}])  # fmt: skip
    node.tap("stock.consume", item_id=item.id, qty=7, generation=item.generation)
    body, caller = _body(node), node.transport.caller
    first = org.sync.push(body, caller)
    second = org.sync.push(body, caller)
    assert [r.status for r in first.results] == ["applied", "applied"]
    assert [r.status for r in second.results] == ["duplicate", "duplicate"]
    assert [r.version for r in second.results] == [r.version for r in first.results]
    assert _count(org, "SELECT COUNT(*) FROM orders WHERE id = 'walk-in-t1-0001'") == 1
    assert _count(org, "SELECT COUNT(*) FROM change_log WHERE entity_id = 'walk-in-t1-0001'") == 1
    assert org.stock_items(node.station_id)[0].level == item.level - 7


async def test_t1_concurrent_copies_on_two_connections_apply_once(
    org: Organiser, station: Make
) -> None:
    node = await _ready(station())
    item = org.stock_items(node.station_id)[0]
    for _ in range(20):
        node.tap("stock.consume", item_id=item.id, qty=1, generation=item.generation)
    body, answers = _body(node), []
    gate = threading.Barrier(2)

    def send() -> None:
        gate.wait()
        answers.append(org.sync.push(body, node.transport.caller))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for a in answers for r in a.results)
    assert statuses == ["applied"] * 20 + ["duplicate"] * 20
    assert org.stock_items(node.station_id)[0].level == item.level - 20
    assert _count(org, "SELECT COUNT(*) FROM stock_movements WHERE item_id = :i", i=item.id) == 20


async def test_t4_an_offline_start_and_ready_never_move_a_collected_order_back(
    org: Organiser, station: Make
) -> None:
    order_id = org.add_order(org.station_ids()[0])
    a, b = await _ready(station()), await _ready(station())
    a.net.up = False
    a.tap("order.start", order_id=order_id)
    a.tap("order.ready", order_id=order_id)
    assert a.order(order_id)["status"] == "ready"  # shown at once, offline
    b.tap("order.ready", order_id=order_id)
    b.tap("order.collect", order_id=order_id)
    assert await b.sync()
    a.net.up = True
    assert await a.sync()
    assert org.order(order_id).status == "collected"
    assert a.order(order_id)["status"] == "collected"
    assert [(r.status, r.reason) for r in a.outbox()] == [("rejected", "superseded")] * 2
    assert [n.reason for n in a.notices if n.kind == "rejected"] == ["superseded"] * 2
    await quiesce(org, [a, b])
    check_all(org, [a, b])  # includes: no backwards status in change_log


async def test_t5_two_stations_starting_one_order_get_one_assignee(
    org: Organiser, station: Make
) -> None:
    order_id = org.add_order(None)  # not yet assigned to a station
    one, two = await _ready(station(1)), await _ready(station(2))
    one.tap("order.start", order_id=order_id)
    two.tap("order.start", order_id=order_id)
    await one.sync()
    await two.sync()
    assert org.order(order_id).station_id == one.station_id
    assert org.order(order_id).status == "in_progress"
    assert [(r.status, r.reason) for r in two.outbox()] == [("rejected", "taken_by:1")]
    await quiesce(org, [one, two])
    check_all(org, [one, two])
    assert two.order(order_id)["station_id"] == one.station_id


async def test_t7_a_gap_stops_the_batch_until_the_missing_seq_arrives(
    org: Organiser, station: Make
) -> None:
    node = await _ready(station())
    item = org.stock_items(node.station_id)[0]
    for _ in range(8):
        node.tap("stock.consume", item_id=item.id, qty=1, generation=item.generation)
    rows = {r.seq: r.mutation() for r in node.outbox()}
    caller = node.transport.caller
    org.sync.push(_body(node, [rows[s] for s in (1, 2, 3, 4)]), caller)
    answer = org.sync.push(_body(node, [rows[s] for s in (5, 6, 8)]), caller)
    assert answer.error is ErrorCode.GAP and answer.expected == 7
    assert [r.seq for r in answer.results] == [5, 6]
    assert answer.last_mutation_seq == 6
    again = org.sync.push(_body(node, [rows[7], rows[8]]), caller)
    assert [r.status for r in again.results] == ["applied", "applied"]
    assert org.stock_items(node.station_id)[0].level == item.level - 8
    await quiesce(org, [node])  # and the engine, given a Gap, converges by itself
    check_all(org, [node])


async def test_t8_a_poison_mutation_is_rejected_and_the_queue_moves_on(
    org: Organiser, station: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    def poison(ctx: Any, args: Any) -> None:
        raise ValueError("cannot digest this")

    monkeypatch.setitem(HANDLERS, "test.poison", Spec(HANDLERS["chat.post"].permission, poison))
    node = await _ready(station())
    item = org.stock_items(node.station_id)[0]
    for _ in range(11):
        node.tap("stock.consume", item_id=item.id, qty=1, generation=item.generation)
    node.tap("test.poison", anything=1)  # seq 12
    node.force_tap("stock.consume", item_id=item.id, qty="a lot", generation=0)  # 13: bad args
    for _ in range(14, 21):
        node.tap("stock.consume", item_id=item.id, qty=1, generation=item.generation)
    assert await node.sync()
    by_seq = {r.seq: r for r in node.outbox()}
    assert by_seq[12].status == "rejected" and by_seq[12].reason == "invalid"
    assert by_seq[13].status == "rejected" and by_seq[13].reason == "invalid_args"
    assert all(by_seq[s].status == "acked" for s in [*range(1, 12), *range(14, 21)])
    assert org.stock_items(node.station_id)[0].level == item.level - 18
    check_all(org, [node])


async def test_t10_a_reinstalled_station_starts_a_new_client(org: Organiser, station: Make) -> None:
    old = await _ready(station())
    for _ in range(3):
        old.tap("chat.post", message_id=str(uuid.uuid4()), channel="all", body="old")
    assert await old.sync()
    old_id = old.replica.client_id
    old.close()
    for suffix in ("", "-wal", "-shm"):
        (old.path.parent / (old.path.name + suffix)).unlink(missing_ok=True)
    new = await _ready(StationNode(org, old.path, old.station_id))
    assert new.replica.client_id != old_id
    new.tap("chat.post", message_id="after-reinstall", channel="all", body="new")
    assert await new.sync()
    assert [(r.seq, r.status) for r in new.outbox()] == [(1, "acked")]
    assert _count(org, "SELECT COUNT(*) FROM chat_messages WHERE id = 'after-reinstall'") == 1
    new.close()


async def test_t12_a_crash_while_applying_a_page_changes_nothing(
    org: Organiser, station: Make
) -> None:
    node = await _ready(station())
    node.net.up = False
    node.tap("chat.post", message_id="pending-during-crash", channel="all", body="hi")
    for _ in range(5):
        org.add_order(org.station_ids()[0])
    node.net.up = True
    before = (node.replica.cursor, [(r.seq, r.status) for r in node.outbox()])

    class Crash(Exception):
        pass

    for point in ("pull:restored", "pull:applied", "pull:acked", "pull:rebased"):
        node.fault = lambda at, point=point: (
            (_ for _ in ()).throw(Crash(at)) if at == point else None
        )
        with pytest.raises(Crash):
            await node.engine.pull_all()
        node.fault = None
        node.crash()
        assert (node.replica.cursor, [(r.seq, r.status) for r in node.outbox()]) == before
        assert node.image("chat_messages", "pending-during-crash") is not None  # still optimistic
    assert await node.sync()
    check_all(org, [node])


async def test_t14_skewed_clocks_do_not_order_anything(
    org: Organiser, station: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = await _ready(station(1)), await _ready(station(2))
    real = outbox.utcnow
    monkeypatch.setattr(outbox, "utcnow", lambda: real() + timedelta(hours=3))
    fast.tap("chat.post", message_id="from-the-fast-clock", channel="all", body="first")
    monkeypatch.setattr(outbox, "utcnow", lambda: real() - timedelta(minutes=10))
    slow.tap("chat.post", message_id="from-the-slow-clock", channel="all", body="second")
    await fast.sync()
    await slow.sync()
    await quiesce(org, [fast, slow])
    first, second = (
        fast.image("chat_messages", m) for m in ("from-the-fast-clock", "from-the-slow-clock")
    )
    assert first and second
    assert first["row_version"] < second["row_version"]  # commit order, not the clocks
    assert first["client_ts"] > second["client_ts"]  # "sent at" shows what each clock said
    check_all(org, [fast, slow])


async def test_t17_an_unknown_schema_is_rejected_visibly_never_dropped(
    org: Organiser, station: Make
) -> None:
    order_id = org.add_order(org.station_ids()[0])
    node = await _ready(station())
    node.tap("order.start@0", order_id=order_id)  # a schema this organiser no longer speaks
    node.tap("order.ready@1", order_id=order_id)  # the current schema, named explicitly
    node.tap("order.teleport", order_id=order_id)
    assert await node.sync()
    rows = node.outbox()
    assert [(r.name, r.status, r.reason) for r in rows] == [
        ("order.start@0", "rejected", "unsupported_mutation"),
        ("order.ready@1", "acked", None),
        ("order.teleport", "rejected", "unsupported_mutation"),
    ]
    assert org.order(order_id).status == "ready"
    hello = org.sync.hello(HelloRequest(node.replica.client_id), node.transport.caller)
    assert (hello.schema_min, hello.schema_max) == (1, 1)


async def test_t18_first_terminal_state_wins_and_the_organiser_is_alerted(
    org: Organiser, station: Make
) -> None:
    order_id = org.add_order(org.station_ids()[0])
    node = await _ready(station())
    alerts: list[ChangeSet] = []
    org.services.bus.subscribe(lambda cs: alerts.append(cs) if cs.alerts else None)
    node.net.up = False
    node.tap("order.collect", order_id=order_id)
    cancelled = org.do("order.cancel", order_id=order_id, reason="customer left")
    assert cancelled.status is ResultStatus.APPLIED
    node.net.up = True
    assert await node.sync()
    assert org.order(order_id).status == "cancelled"
    assert [(r.status, r.reason) for r in node.outbox()] == [("rejected", "conflict_terminal")]
    assert node.order(order_id)["status"] == "cancelled"
    kinds = [a.kind for cs in alerts for a in cs.alerts]
    assert kinds == ["conflict_terminal"]
    with pytest.raises(LocalRefusal):  # and the station cannot flip it back
        node.tap("order.collect", order_id=order_id)
    check_all(org, [node])


async def _ready(node: StationNode) -> StationNode:
    assert await node.sync()
    return node


def test_a_different_replica_row_changes_the_hash(org: Organiser, station: Make) -> None:
    """The convergence check can fail: one changed column is noticed."""
    import asyncio

    node = asyncio.run(_ready(station()))
    assert node.replica.state_hash() == org.state_hash()
    with node.replica.write() as conn:
        conn.execute(text("UPDATE stock_items SET level = level + 1 WHERE id = 1"))
    assert node.replica.state_hash() != org.state_hash()


def test_callers_cannot_act_for_other_roles(org: Organiser) -> None:
    runner = Caller("runner-1", "runner", None, "runner")
    epoch = org.sync.hello(HelloRequest("runner-1"), runner).epoch
    item = org.stock_items(org.station_ids()[0])[0]
    reset = Mutation(1, "stock.reset", {"item_id": item.id, "counted_level": 1})
    answer = org.sync.push(PushRequest("runner-1", epoch, (reset,)), runner)
    assert answer.results[0].reason == Reason.FORBIDDEN


async def test_t12_a_crash_between_pages_keeps_pending_taps_visible(
    org: Organiser, station: Make
) -> None:
    node = await _ready(station())
    node.net.up = False
    node.tap("chat.post", message_id="pending-across-pages", channel="all", body="hi")
    for _ in range(6):
        org.add_order(org.station_ids()[0])
    node.net.up = True
    node.engine.page_size = 5  # a multi-page catch-up
    pages = []

    def crash_on_second_page(at: str) -> None:
        if at == "pull:acked":
            pages.append(at)
            if len(pages) == 2:
                raise RuntimeError("killed")

    node.fault = crash_on_second_page
    with pytest.raises(RuntimeError, match="killed"):
        await node.engine.sync_once()
    node.fault = None
    node.crash()  # the first page is committed; its rebase was left for later
    assert node.image("chat_messages", "pending-across-pages") is not None
    node.engine.page_size = 5
    assert await node.sync()
    check_all(org, [node])
