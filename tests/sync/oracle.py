"""The end-of-test oracle of design/sync.md: quiesce, then convergence and the invariants."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from sqlalchemy import text

from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.store.engine import read_session

from .harness import Organiser, StationNode


async def quiesce(organiser: Organiser, nodes: Sequence[StationNode], rounds: int = 12) -> None:
    """Heal everything and sync until every outbox is settled and every cursor is at head."""
    for node in nodes:
        for body in node.net.delayed:  # late copies still in the network arrive now
            organiser.sync.push(body, node.transport.caller)
        node.net.delayed.clear()
        node.net.calm()
        node.fault = None
    for _ in range(rounds):
        for node in nodes:
            assert await node.sync(), "a calm network must not fail"
        head = organiser.head()
        settled = all(
            node.replica.cursor == head and all(r.status != "pending" for r in node.outbox())
            for node in nodes
        )
        if settled:
            return
        await asyncio.sleep(0)
    raise AssertionError("the system did not quiesce")


def check_all(organiser: Organiser, nodes: Sequence[StationNode]) -> None:
    expected = organiser.state_hash()
    head = organiser.head()
    for node in nodes:
        assert node.replica.cursor == head
        assert node.replica.state_hash() == expected, f"{node.name} diverged (I5)"
    check_outboxes(organiser, nodes)
    check_status_monotone(organiser)
    check_stock(organiser)


def check_outboxes(organiser: Organiser, nodes: Sequence[StationNode]) -> None:
    """I1 + I2: every outbox row is in mutation_log exactly once, with the same intent, and
    is acked (applied) or rejected with a reason; seqs are gapless per client."""
    with read_session(organiser.services.engine) as s:
        conn = s.connection()
        for node in nodes:
            cid = node.replica.client_id
            logged = {
                seq: (name, json.loads(args) if isinstance(args, str) else args, status, reason)
                for seq, name, args, status, reason in conn.execute(
                    text(
                        "SELECT seq, name, args_json, status, reason FROM mutation_log"
                        " WHERE client_id = :c"
                    ),
                    {"c": cid},
                )
            }
            rows = node.outbox()
            assert sorted(logged) == [r.seq for r in rows] == list(range(1, len(rows) + 1))
            for row in rows:
                name, args, status, reason = logged[row.seq]
                assert (name, args) == (row.name, row.args), f"seq {row.seq} is another intent"
                assert row.status in ("acked", "rejected"), row
                want = "applied" if row.status == "acked" else "rejected"
                assert status == want, (row, status, reason)
                if row.status == "rejected":
                    assert row.reason and row.reason == reason
            movements = conn.execute(
                text("SELECT seq, COUNT(*) FROM stock_movements WHERE client_id = :c GROUP BY seq"),
                {"c": cid},
            ).all()
            for seq, count in movements:
                assert count == 1, f"stock mutation {seq} took effect {count} times (I1)"
                assert logged[seq][2] == "applied"


def check_status_monotone(organiser: Organiser) -> None:
    with read_session(organiser.services.engine) as s:
        rows = s.connection().execute(
            text(
                "SELECT entity_id, data_json FROM change_log"
                " WHERE entity = 'orders' ORDER BY version"
            )
        )
        seen: dict[str, OrderStatus] = {}
        for order_id, data in rows:
            if data is None:
                continue
            status = OrderStatus(
                json.loads(data)["status"] if isinstance(data, str) else data["status"]
            )
            before = seen.get(order_id)
            if before is not None:
                assert status.rank >= before.rank, f"order {order_id}: {before} -> {status}"
                if before.terminal:
                    assert status is before, f"order {order_id}: {before} -> {status}"
            seen[order_id] = status


def check_stock(organiser: Organiser) -> None:
    """level == baseline(generation) + Σ counted deltas of that generation, for every item."""
    with read_session(organiser.services.engine) as s:
        items = (
            s.connection()
            .execute(text("SELECT id, level, baseline, generation FROM stock_items"))
            .all()
        )
        for item_id, level, baseline, generation in items:
            total = (
                s.connection()
                .execute(
                    text(
                        "SELECT COALESCE(SUM(delta), 0) FROM stock_movements WHERE item_id = :i"
                        " AND generation = :g AND counted = 1 AND deleted = 0"
                    ),
                    {"i": item_id, "g": generation},
                )
                .scalar()
            )
            assert abs(level - (baseline + total)) < 1e-6, (item_id, level, baseline, total)
