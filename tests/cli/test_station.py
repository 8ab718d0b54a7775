"""``expresso station …`` on a real replica (the JSON shapes of the issue), offline: every
command goes through the outbox and shows at once; the next sync sends it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expresso_desktop.cli.main import main
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
