"""``expresso station …`` on a real replica (the JSON shapes of the issue), offline: every
command goes through the outbox and shows at once; the next sync sends it."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.cli.main import main
from expresso_desktop.services import devices, schedule_admin
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import OrderEvent, StaffUser
from expresso_desktop.sync.replica import put
from tests.sync.harness import Organiser, StationNode
from tests.sync.oracle import check_all


@pytest.fixture(autouse=True)
def _no_log_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """``main`` would point logging at a file per call (not what is under test here)."""
    from expresso_desktop import logs

    monkeypatch.setattr(logs, "configure_logging", lambda *a, **k: None)


@pytest.fixture
async def offline(org: Organiser, tmp_path: Path) -> tuple[StationNode, Path]:
    data = tmp_path / "station"
    data.mkdir()
    node = StationNode(org, data / "station.db", org.station_ids()[0])
    org.add_order(org.station_ids()[0], name="Sam")
    assert await node.sync()
    node.net.up = False
    return node, data


def _run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code = main(["station", "--data-dir", str(data), *args])
    return code, capsys.readouterr().out


async def test_commands_work_offline_and_sync_later(
    offline: tuple[StationNode, Path], org: Organiser, capsys: pytest.CaptureFixture[str]
) -> None:
    node, data = offline
    code, out = _run(capsys, data, "orders", "--json")
    orders = json.loads(out)
    assert code == 0 and len(orders) == 1
    assert set(orders[0]) >= {"id", "number", "status", "station", "customer_name", "items"}
    assert orders[0]["status"] == "new" and orders[0]["station"] == 1
    number = orders[0]["number"]

    assert _run(capsys, data, "start", number.lower())[0] == 0  # "a001" is A001
    code, out = _run(capsys, data, "walk-in", "large oat latte", "--name", "Kim")
    walk_in = json.loads(out)
    assert walk_in["items"][0] == {"drink": "latte", "size": "large", "milk": "oat", "sugar": 0,
                                   "quantity": 1, "extras": []}  # fmt: skip
    assert _run(capsys, data, "consume", "oat", "200")[0] == 0
    assert _run(capsys, data, "cancel", walk_in["id"], "--reason", "changed their mind")[0] == 0
    statuses = {
        o["id"]: o["status"] for o in json.loads(_run(capsys, data, "orders", "--json", "--all")[1])
    }
    assert statuses == {orders[0]["id"]: "in_progress", walk_in["id"]: "cancelled"}

    status = json.loads(_run(capsys, data, "status", "--json")[1])
    assert {"online", "pending", "rejected", "cursor", "epoch", "server"} <= set(status)
    assert status["online"] is False and status["pending"] == 4 and status["rejected"] == 0

    node.net.up = True
    assert await node.sync()
    status = json.loads(_run(capsys, data, "status", "--json")[1])
    assert status["pending"] == 0 and status["cursor"] == org.head()
    assert org.order(walk_in["id"]).status == "cancelled"
    check_all(org, [node])


async def test_refusals_say_why(
    offline: tuple[StationNode, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, data = offline
    assert main(["station", "--data-dir", str(data), "ready", "Z999"]) == 2
    assert "no order Z999" in capsys.readouterr().err
    assert main(["station", "--data-dir", str(data), "collect", "A001"]) == 0  # a forward skip
    capsys.readouterr()
    assert main(["station", "--data-dir", str(data), "start", "A001"]) == 2  # never backwards
    assert "already collected" in capsys.readouterr().err
    assert main(["station", "--data-dir", str(data), "consume", "unicorn milk", "1"]) == 2


async def test_undo_takes_back_the_last_tap_through_the_outbox(
    offline: tuple[StationNode, Path], org: Organiser, capsys: pytest.CaptureFixture[str]
) -> None:
    node, data = offline
    assert _run(capsys, data, "ready", "A001")[0] == 0
    code, out = _run(capsys, data, "undo", "A001")
    assert code == 0 and out.startswith("undo A001: queued (#")
    orders = json.loads(_run(capsys, data, "orders", "--json")[1])
    assert orders[0]["status"] == "new"  # never started: back to new
    node.net.up = True
    assert await node.sync()
    assert org.order(orders[0]["id"]).status == "new"


PIN = "4821"


def _sam(org: Organiser) -> int:
    def work(tx: Any) -> int:
        sam = tx.session.exec(select(StaffUser).where(StaffUser.name == "Sam")).one()
        schedule_admin.save_staff(tx, sam, PIN)
        return int(sam.id)

    return org.services.writer.run_sync(work)


async def _cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data: Path,
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """``main`` in a worker thread (it runs its own event loop), ``stdin`` as its input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = await asyncio.to_thread(main, ["station", "--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


async def test_a_barista_logs_in_and_the_stations_taps_are_theirs_offline_too(
    org: Organiser,
    lan: tuple[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sam = _sam(org)
    one = org.station_ids()[0]
    issued = org.services.writer.run_sync(
        lambda tx: devices.add_device(
            session=tx.session, name="bar 1", role="barista", station_id=one
        )
    )
    monkeypatch.setenv("EXPRESSO_STATION_TOKEN", issued.token)
    data = tmp_path / "station"
    data.mkdir()
    node = StationNode(org, data / "station.db", one)
    order_id = org.add_order(one)
    assert await node.sync()
    url, fingerprint = lan
    with node.replica.write() as conn:
        put(conn, "server_url", url)
        put(conn, "fingerprint", fingerprint.hex())

    code, out, err = await _cli(
        monkeypatch, capsys, data, "login", "sam", "--pin-stdin", stdin="1357\n"
    )
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "expresso: wrong PIN for Sam: try again (5 wrong PINs in a row lock it for a while)"
    ]
    code, out, _ = await _cli(
        monkeypatch, capsys, data, "login", "sam", "--pin-stdin", stdin=f"{PIN}\n"
    )
    assert code == 0 and out == "logged in as Sam; taps are now recorded as theirs\n"
    assert (await _cli(monkeypatch, capsys, data, "whoami"))[1] == f"Sam (staff id {sam})\n"
    status = json.loads((await _cli(monkeypatch, capsys, data, "status", "--json"))[1])
    assert status["barista"] == {"id": sam, "name": "Sam"}

    # The organiser goes away: Sam logs in again with the verifier this station kept.
    with node.replica.write() as conn:
        put(conn, "server_url", "https://127.0.0.1:9")
    node.net.up = False
    code, out, _ = await _cli(
        monkeypatch, capsys, data, "login", str(sam), "--pin-stdin", stdin=f"{PIN}\n"
    )
    assert code == 0 and "checked on this station" in out
    assert (await _cli(monkeypatch, capsys, data, "start", "A001"))[0] == 0
    assert node.outbox()[-1].args == {"order_id": order_id, "staff_id": sam}
    assert (await _cli(monkeypatch, capsys, data, "logout"))[1] == "logged out Sam\n"
    assert (await _cli(monkeypatch, capsys, data, "ready", "A001"))[0] == 0
    assert node.outbox()[-1].args == {"order_id": order_id}
    status = json.loads((await _cli(monkeypatch, capsys, data, "status", "--json"))[1])
    assert status["barista"] is None

    node.net.up = True
    assert await node.sync()
    with read_session(org.services.engine) as session:
        done = session.exec(
            select(OrderEvent.action, OrderEvent.staff_id)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.id)
        ).all()
    assert done == [("placed", None), ("start", sam), ("ready", None)]
    node.close()
