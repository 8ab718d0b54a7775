"""Deterministic simulation (design/sync.md, harness (a)): the real organiser handlers and three
real station engines on real SQLite files, joined by a fake network whose drops, duplicates,
late deliveries and partitions come from one seeded RNG. Crashes are real: the in-memory
objects are dropped and the files reopened — for stations also in the middle of applying a
pull page or a snapshot. At the end: heal, quiesce, and the oracle (``oracle.py``).

Hypothesis prints the failing rule sequence and the ``seed`` it drew; ``@reproduce_failure``
or ``--hypothesis-seed`` replays it exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import tempfile
import uuid
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import text

from expresso_desktop.core.errors import DomainError
from expresso_desktop.services.sync.server import LocalWriteDeferred
from expresso_desktop.store.engine import open_database
from expresso_desktop.sync.mutators import LocalRefusal

from .harness import Organiser, StationNode
from .oracle import check_all, quiesce

SHM = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
NODES = 3
NODE = st.integers(0, NODES - 1)
ANY = st.integers(0, 1_000)
CRASH_POINTS = ("pull:restored", "pull:applied", "pull:acked", "pull:rebased", "snapshot:loaded")


class SimulatedCrash(Exception):
    """Raised inside a station's local transaction: it rolls back like a killed process."""


@cache
def _templates() -> Path:
    """A seeded organiser database and an empty replica, made once and copied per example."""
    root = Path(tempfile.mkdtemp(prefix="sync-sim-template-", dir=SHM))
    organiser = Organiser(root, journal=False)
    organiser.seed()
    organiser.close()
    open_database(root / "replica.db", role="replica").dispose()
    return root


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class SyncSimulation(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="sync-sim-", dir=SHM))
        shutil.copytree(_templates() / "organiser", self.root / "organiser")
        self.clock = Clock()
        self.loop = asyncio.new_event_loop()
        self.organiser = Organiser(self.root, clock=self.clock)
        self.nodes: list[StationNode] = []
        self.rng = random.Random(0)
        self.backup: Path | None = None
        self.restores = 0

    @initialize(seed=st.integers(0, 2**32 - 1))
    def start(self, seed: int) -> None:
        self.rng = random.Random(seed)
        stations = self.organiser.station_ids()
        # Two devices at station 1 (they race on the same orders), one at station 2.
        for index, station_id in enumerate((stations[0], stations[0], stations[1])):
            path = self.root / f"station-{index}.db"
            shutil.copy(_templates() / "replica.db", path)
            node = StationNode(
                self.organiser, path, station_id, rng=random.Random(self.rng.random()),
                name=f"node{index}",
            )  # fmt: skip
            self.nodes.append(node)
        for station_id in (stations[0], stations[0], stations[1], None):
            self.organiser.add_order(station_id)
        for node in self.nodes:
            assert self._sync(node)  # bootstrap on a calm network
            flaky = (0.0, 0.1, 0.25)
            node.net.drop_request = self.rng.choice(flaky)
            node.net.drop_response = self.rng.choice(flaky)
            node.net.duplicate = self.rng.choice(flaky)
            node.net.late = self.rng.choice(flaky)

    def teardown(self) -> None:
        try:
            if self.nodes:
                self.clock.now += 3600  # past any recovery window
                self.loop.run_until_complete(quiesce(self.organiser, self.nodes))
                check_all(self.organiser, self.nodes)
        finally:
            for node in self.nodes:
                node.close()
            self.organiser.close()
            self.loop.close()
            shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------
    def _sync(self, node: StationNode) -> bool:
        return self.loop.run_until_complete(node.sync())

    def _tap(self, node: StationNode, name: str, **args: object) -> None:
        with contextlib.suppress(LocalRefusal, DomainError):  # refused: nothing queued
            node.tap(name, **args)

    def _pick(self, node: StationNode, entity: str, k: int, where: str = "1=1") -> object:
        # A deterministic order (organiser-made ids are random uuid4s): numbers, then the
        # station's own walk-ins, whose ids come from the seeded RNG.
        order = "number IS NULL, number, id" if entity == "orders" else "id"
        with node.replica.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    text(f"SELECT id FROM {entity} WHERE deleted = 0 AND {where} ORDER BY {order}")
                )
            ]
        return ids[k % len(ids)] if ids else None

    # -- station rules ---------------------------------------------------------------------
    @rule(i=NODE, action=st.sampled_from(["start", "ready", "collect", "cancel"]), k=ANY)
    def tap_order(self, i: int, action: str, k: int) -> None:
        node = self.nodes[i]
        order_id = self._pick(node, "orders", k)
        if order_id is not None:
            extra = {"reason": "customer left"} if action == "cancel" else {}
            self._tap(node, f"order.{action}", order_id=order_id, **extra)

    @rule(i=NODE)
    def walk_in(self, i: int) -> None:
        node = self.nodes[i]
        order_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        items = [{"drink": "latte", "milk": "full cream"}]
        self._tap(node, "order.create", order_id=order_id, station_id=node.station_id,
                  items=items, customer_name="Walk")  # fmt: skip

    @rule(i=NODE, k=ANY, qty=st.integers(1, 400), restock=st.booleans())
    def use_stock(self, i: int, k: int, qty: int, restock: bool) -> None:
        node = self.nodes[i]
        item_id = self._pick(node, "stock_items", k, f"station_id = {node.station_id}")
        item = node.image("stock_items", item_id) if item_id is not None else None
        if item is None:
            return
        if restock:
            self._tap(node, "stock.restock", item_id=item_id, qty=qty)
        else:
            self._tap(node, "stock.consume", item_id=item_id, qty=qty,
                      generation=item["generation"])  # fmt: skip

    @rule(i=NODE, sound=st.booleans())
    def set_setting(self, i: int, sound: bool) -> None:
        node = self.nodes[i]
        key = f"station.{node.station_id}.sound"
        row = node.image("settings", key)
        self._tap(node, "settings.set", key=key, value=sound,
                  base_version=row["row_version"] if row else 0)  # fmt: skip

    @rule(i=NODE)
    def chat(self, i: int) -> None:
        node = self.nodes[i]
        message_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        self._tap(node, "chat.post", message_id=message_id, channel="all", body="hi")

    @rule(i=NODE, k=ANY)
    def move_order(self, i: int, k: int) -> None:
        node = self.nodes[i]
        order_id = self._pick(node, "orders", k, f"station_id = {node.station_id}")
        order = node.order(str(order_id)) if order_id else None
        if order is not None:
            others = [s for s in self.organiser.station_ids() if s != node.station_id]
            self._tap(node, "order.reassign", order_id=order_id, to_station=others[k % 2],
                      base_assign_version=order["assign_version"])  # fmt: skip

    @rule(i=NODE)
    def sync(self, i: int) -> None:
        self._sync(self.nodes[i])

    @rule(i=NODE)
    def partition(self, i: int) -> None:
        self.nodes[i].net.up = False

    @rule(i=NODE)
    def heal(self, i: int) -> None:
        self.nodes[i].net.up = True

    @rule(i=NODE)
    def crash_station(self, i: int) -> None:
        self.nodes[i].crash(reuse_engine=True)

    @rule(i=NODE, point=st.sampled_from(CRASH_POINTS))
    def crash_station_mid_apply(self, i: int, point: str) -> None:
        node = self.nodes[i]

        def fault(at: str) -> None:
            if at == point:
                raise SimulatedCrash(at)

        node.fault = fault
        with contextlib.suppress(SimulatedCrash):
            self._sync(node)
        node.fault = None
        node.crash(reuse_engine=True)

    # -- organiser rules -------------------------------------------------------------------
    @rule(k=ANY, action=st.sampled_from(["cancel", "collect", "ready"]))
    def organiser_taps(self, k: int, action: str) -> None:
        node = self.nodes[k % NODES]
        order_id = self._pick(node, "orders", k)
        if order_id is not None:
            extra = {"reason": "organiser"} if action == "cancel" else {}
            # After a restore, a station's order may not be back yet: the organiser is told so.
            with contextlib.suppress(LocalWriteDeferred):
                self.organiser.do(f"order.{action}", order_id=order_id, **extra)

    @rule(k=ANY, level=st.integers(0, 3000))
    def organiser_counts_stock(self, k: int, level: int) -> None:
        items = self.organiser.stock_items(self.organiser.station_ids()[k % 2])
        self.organiser.do("stock.reset", item_id=items[k % len(items)].id, counted_level=level)

    @rule(k=st.integers(0, 2))
    def customer_texts(self, k: int) -> None:
        stations = self.organiser.station_ids()
        self.organiser.add_order([stations[0], stations[1], None][k])

    @rule()
    def crash_organiser(self) -> None:
        self.organiser.crash(reuse_engine=True)

    @rule()
    def take_backup(self) -> None:
        self.backup = self.root / "backup.db"
        self.organiser.backup(self.backup)

    @precondition(lambda self: self.backup is not None and self.restores < 2)
    @rule()
    def restore_backup(self) -> None:
        assert self.backup is not None
        self.restores += 1
        self.organiser.restore(self.backup)

    @rule()
    def time_passes(self) -> None:
        self.clock.now += 30

    @invariant()
    def nothing_applied_twice(self) -> None:
        with self.organiser.services.engine.connect() as conn:
            dupes = conn.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT client_id, seq FROM stock_movements"
                    " GROUP BY client_id, seq, item_id HAVING COUNT(*) > 1)"
                )
            ).scalar()
        assert dupes == 0


SyncSimulation.TestCase.settings = settings(
    max_examples=int(os.environ.get("SYNC_SIM_EXAMPLES", "25")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)
TestSyncSimulation = SyncSimulation.TestCase
