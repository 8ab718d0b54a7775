"""design/sync.md's scenarios about failures and recovery, in process (T2 and T3 also run
against a real organiser killed with SIGKILL in test_real_processes.py): T2, T3, T6, T9, T11,
T13, T15, T16."""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from expresso_desktop.core.lan import Found
from expresso_desktop.core.sync_protocol import Mutation, PullPage, PullRequest, PushRequest
from expresso_desktop.services.sync.context import Spec
from expresso_desktop.services.sync.mutations import HANDLERS
from expresso_desktop.store.engine import read_session, write_connection
from expresso_desktop.sync.discovery import choose_organiser
from expresso_desktop.sync.engine import ForeignServer, SyncEngine
from expresso_desktop.sync.runner import SyncRunner
from expresso_desktop.sync.transport import TransportError
from tests.waiting import until

from .harness import Organiser, StationNode
from .oracle import check_all, quiesce

Make = Callable[..., StationNode]


def _scalar(org: Organiser, sql: str, **params: Any) -> Any:
    with read_session(org.services.engine) as s:
        return s.connection().execute(text(sql), params).scalar()


async def test_t2_an_answer_lost_after_commit_is_answered_duplicate(
    org: Organiser, station: Make
) -> None:
    node = await _ready(station())
    item = org.stock_items(node.station_id)[0]
    node.tap("order.create", order_id="t2-walk-in-00001", station_id=node.station_id,
             items=[{"drink": "latte"}])  # fmt: skip
    node.tap("stock.consume", item_id=item.id, qty=5, generation=item.generation)
    node.net.drop_response = 1.0  # committed, but the station never hears
    assert not await node.sync()
    node.net.drop_response = 0.0
    assert await node.sync()
    assert _scalar(org, "SELECT COUNT(*) FROM orders WHERE id = 't2-walk-in-00001'") == 1
    assert org.stock_items(node.station_id)[0].level == item.level - 5
    assert [r.status for r in node.outbox()] == ["acked", "acked"]
    check_all(org, [node])


async def test_t3_a_batch_that_fails_before_commit_leaves_nothing_half_done(
    org: Organiser, station: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = await _ready(station())
    for n in range(10):
        node.tap("order.create", order_id=f"t3-walk-in-{n:05}", station_id=node.station_id,
                 items=[{"drink": "latte"}, {"drink": "mocha"}])  # fmt: skip
    real, calls = HANDLERS["order.create"], []

    def dies_at_the_seventh(ctx: Any, args: Any) -> None:
        calls.append(1)
        if len(calls) == 7:
            raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        real.handler(ctx, args)

    monkeypatch.setitem(HANDLERS, "order.create", Spec(real.permission, dies_at_the_seventh))
    assert not await node.sync()  # 503: rolled back, try again
    assert _scalar(org, "SELECT COUNT(*) FROM orders WHERE id LIKE 't3-%'") == 0
    assert _scalar(org, "SELECT COUNT(*) FROM mutation_log") == 0
    monkeypatch.setitem(HANDLERS, "order.create", real)
    assert await node.sync()
    assert _scalar(org, "SELECT COUNT(*) FROM orders WHERE id LIKE 't3-%'") == 10
    assert _scalar(org, "SELECT COUNT(*) FROM order_items WHERE order_id LIKE 't3-%'") == 20
    check_all(org, [node])


async def test_t6_stock_counts_while_stations_consume_offline(
    org: Organiser, station: Make
) -> None:
    rng = random.Random(6)
    nodes = [await _ready(station(1, seed=n)) for n in range(3)]
    milk = next(i for i in org.stock_items(nodes[0].station_id) if i.name == "milk:full cream")
    taps = 0
    for step in range(60):
        if step == 30:  # the organiser counts: 50 left, whatever the stations think
            org.do("stock.reset", item_id=milk.id, counted_level=50)
        node = nodes[rng.randrange(3)]
        node.net.up = rng.random() < 0.6
        image = node.image("stock_items", milk.id)
        assert image is not None
        node.tap("stock.consume", item_id=milk.id, qty=5, generation=image["generation"])
        taps += 1
        if rng.random() < 0.5:
            await node.sync()
    await quiesce(org, nodes)
    check_all(org, nodes)
    item = next(i for i in org.stock_items(nodes[0].station_id) if i.id == milk.id)
    assert item.generation == milk.generation + 1
    counted = _scalar(
        org,
        "SELECT COALESCE(SUM(delta), 0) FROM stock_movements WHERE item_id = :i"
        " AND generation = :g AND counted = 1",
        i=milk.id,
        g=item.generation,
    )
    late = _scalar(org, "SELECT COUNT(*) FROM stock_movements WHERE item_id = :i AND counted = 0",
                   i=milk.id)  # fmt: skip
    assert item.level == 50 + counted
    assert (
        _scalar(org, "SELECT COUNT(*) FROM stock_movements WHERE item_id = :i", i=milk.id) == taps
    )
    assert late > 0  # offline uses from before the count: recorded, not subtracted


async def test_t9_a_restored_organiser_gets_everything_back(
    org: Organiser, station: Make, tmp_path: Any
) -> None:
    nodes = [await _ready(station(n)) for n in (1, 1, 2)]
    first = org.add_order(org.station_ids()[0])
    org.backup(tmp_path / "backup.db")
    for n, node in enumerate(nodes):  # ten minutes of work the backup does not have
        node.tap("order.create", order_id=f"t9-walk-in-{n}", station_id=node.station_id,
                 items=[{"drink": "latte"}])  # fmt: skip
        node.tap("chat.post", message_id=f"t9-chat-{n}", channel="all", body=f"hello {n}")
        await node.sync()
    nodes[0].tap("order.start", order_id=first)
    await nodes[0].sync()
    org.do("order.cancel", order_id="t9-walk-in-2", reason="the organiser's own edit")
    await quiesce(org, nodes)
    before = _world(org)
    org.restore(tmp_path / "backup.db")  # rotates the epoch, replays the journal
    nodes[1].tap("chat.post", message_id="t9-during-recovery", channel="all", body="still here")
    await quiesce(org, nodes)
    check_all(org, nodes)
    after = _world(org)
    assert after["orders"] == before["orders"]  # same numbers, statuses, cancellation
    assert after["chat"] == [*before["chat"], "t9-during-recovery"]
    assert all(n.notices and n.notices[-1].kind == "recovered" for n in nodes)


def _world(org: Organiser) -> dict[str, Any]:
    with read_session(org.services.engine) as s:
        conn = s.connection()
        orders = conn.execute(
            text("SELECT id, number, status, cancel_reason FROM orders ORDER BY id")
        ).all()
        chat = [r[0] for r in conn.execute(text("SELECT id FROM chat_messages ORDER BY id"))]
    return {"orders": [tuple(o) for o in orders], "chat": chat}


async def test_t11_a_new_station_bootstraps_while_others_write(
    org: Organiser, station: Make
) -> None:
    writers = [await _ready(station(1)), await _ready(station(2))]
    stop = threading.Event()

    def write(node: StationNode) -> None:  # ~50 mutations/s between them, straight to the server
        epoch, n = node.replica.epoch, 0
        while not stop.is_set():
            n += 1
            args = {"message_id": str(uuid.uuid4()), "channel": "all", "body": "busy"}
            push = PushRequest(
                node.replica.client_id, epoch or "", (Mutation(n, "chat.post", args),)
            )
            org.sync.push(push, node.transport.caller)
            stop.wait(0.04)  # paced: the writers pause, the test waits on no clock

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    try:
        newcomer = station(1)
        for _ in range(5):
            assert await newcomer.sync()
            seen = org.head()
            await until(lambda seen=seen: org.head() > seen)  # the others wrote meanwhile
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert await newcomer.sync()
    assert newcomer.replica.cursor == org.head()
    assert newcomer.replica.state_hash() == org.state_hash()


class _PokeOnly:
    """Wraps a transport: pokes come from a script (lost, duplicated, out of order)."""

    def __init__(self, inner: Any, script: list[int] | None) -> None:
        self.inner, self.script = inner, script

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def pokes(self) -> AsyncIterator[int]:
        for head in self.script or []:
            yield head
        raise TransportError("socket down")


@pytest.mark.parametrize("script", [None, [9999, 3, 9999, 9999, 1]], ids=["ws-down", "garbled"])
async def test_t13_the_timer_converges_without_pokes(
    org: Organiser, station: Make, script: list[int] | None
) -> None:
    node = await _ready(station())
    transport = _PokeOnly(node.transport, script)
    runner = SyncRunner(SyncEngine(node.replica, transport), interval_s=0.1, poll_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        for _ in range(3):
            org.add_order(org.station_ids()[0])
            await until(lambda: node.replica.cursor == org.head())
        assert node.replica.state_hash() == org.state_hash()
        rounds = runner.rounds
        await until(lambda: runner.rounds >= rounds + 2)  # it keeps pulling on the timer alone
        assert node.replica.state_hash() == org.state_hash()
    finally:
        stop.set()
        await task


async def test_t15_a_foreign_epoch_is_not_followed_without_the_operator(
    org: Organiser, station: Make, tmp_path: Any
) -> None:
    node = await _ready(station())
    node.tap("chat.post", message_id="t15-stays-home", channel="all", body="mine")
    other = Organiser(tmp_path / "second")  # another organiser: another database, another epoch
    try:
        other.seed()
        node.transport.organiser = other
        cautious = SyncEngine(node.replica, node.transport, trust_epoch_change=False)
        with pytest.raises(ForeignServer):
            await cautious.sync_once()
        assert _scalar(other, "SELECT COUNT(*) FROM mutation_log") == 0
        assert [r.status for r in node.outbox()] == ["pending"]
        assert node.replica.epoch == org.sync.hello_info().epoch
    finally:
        other.close()


def test_t15_discovery_picks_only_the_paired_organiser() -> None:
    def advert(fp: str, epoch: str) -> Found:
        return Found(f"Expresso {epoch}", ("127.0.0.1",), 8443, {"fp": fp, "epoch": epoch})

    ours, foreign = advert("aa" * 32, "e1"), advert("bb" * 32, "e2")
    assert choose_organiser([foreign, ours], "AA:" * 31 + "AA", "e1") is ours
    assert choose_organiser([foreign], "aa" * 32, "e1") is None


async def test_t16_a_long_absence_pages_through_or_resets(org: Organiser, station: Make) -> None:
    node = await _ready(station())
    node.net.up = False
    node.tap("chat.post", message_id="t16-written-offline", channel="all", body="offline")
    _bulk_history(org, 50_000)
    node.net.up = True
    pages = []
    real_pull = node.transport.pull

    async def counting(req: PullRequest) -> Any:
        page = await real_pull(req)
        pages.append(len(page.changes) if isinstance(page, PullPage) else 0)
        return page

    node.transport.pull = counting  # type: ignore[method-assign]
    assert await node.sync()
    assert max(pages) == 500 and len(pages) >= 100
    check_all(org, [node])
    # Below the retention horizon: a reset, a fresh snapshot, and nothing lost.
    node.net.up = False
    node.tap("chat.post", message_id="t16-before-reset", channel="all", body="pending")
    _bulk_history(org, 10)
    with write_connection(org.services.engine) as conn:
        conn.execute(text("INSERT INTO sync_meta (k, v) VALUES ('min_retained_version', :v)"),
                     {"v": str(org.head())})  # fmt: skip
    node.net.up = True
    assert await node.sync()
    assert any(n.kind == "reset" for n in node.notices)
    assert node.image("chat_messages", "t16-before-reset") is not None
    check_all(org, [node])


def _bulk_history(org: Organiser, n: int) -> None:
    """``n`` chat messages and their change_log rows in one transaction (fast, and exactly
    what emit() would have written)."""
    import json

    from expresso_desktop.store.types import utcnow

    now = utcnow().isoformat()
    with write_connection(org.services.engine) as conn:
        start = int(
            conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM change_log")).scalar() or 0
        )
        chat, log = [], []
        for k in range(1, n + 1):
            mid, version = str(uuid.uuid4()), start + k
            image = {"id": mid, "channel": "all", "author": "bulk", "body": f"m{k}",
                     "client_ts": None, "created_at": now, "row_version": version,
                     "deleted": False}  # fmt: skip
            chat.append((mid, "all", "bulk", f"m{k}", now.replace("T", " ")[:26], version))
            log.append((version, "chat_messages", mid, json.dumps(image), now))
        raw = conn.connection.driver_connection
        raw.executemany(  # type: ignore[union-attr]
            "INSERT INTO chat_messages (id, channel, author, body, created_at, row_version,"
            " deleted) VALUES (?, ?, ?, ?, ?, ?, 0)", chat)  # fmt: skip
        raw.executemany(  # type: ignore[union-attr]
            "INSERT INTO change_log (version, entity, entity_id, op, data_json, committed_at)"
            " VALUES (?, ?, ?, 'upsert', ?, ?)", log)  # fmt: skip


async def _ready(node: StationNode) -> StationNode:
    assert await node.sync()
    return node
