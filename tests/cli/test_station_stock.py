"""``expresso station stock | out ITEM | in ITEM`` on a real replica, offline: the levels a Done
takes show at once, marking out is queued like any tap, and the next sync sends it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expresso_desktop.cli.main import main
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.stock import order_consumption
from expresso_desktop.services import orders
from expresso_desktop.services.writer import Tx
from tests.sync.harness import Organiser, StationNode
from tests.sync.oracle import check_all

OAT_LATTE = DrinkSpec("latte", "medium", "oat")


@pytest.fixture(autouse=True)
def _no_log_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from expresso_desktop import logs

    monkeypatch.setattr(logs, "configure_logging", lambda *a, **k: None)


def _run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["station", "--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


async def test_stock_out_and_in_work_offline_and_sync_later(
    org: Organiser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "station"
    data.mkdir()
    station_id = org.station_ids()[0]
    node = StationNode(org, data / "station.db", station_id)

    def place(tx: Tx) -> str:
        order, _ = orders.store_order(
            tx, event_id=org.services.event_id, station_id=station_id, specs=[OAT_LATTE]
        )
        return str(order.number)

    number = org.services.writer.run_sync(place)
    assert await node.sync()
    node.net.up = False

    code, out, _ = _run(capsys, data, "stock", "--json")
    before = {row["name"]: row for row in json.loads(out)}
    assert code == 0 and before["milk:oat"]["out_of_stock"] is False
    assert {"id", "name", "unit", "level", "low_threshold", "low"} <= set(before["milk:oat"])

    assert _run(capsys, data, "ready", number)[0] == 0
    use = order_consumption([OAT_LATTE], org.services.menu)
    levels = {
        row["name"]: row["level"] for row in json.loads(_run(capsys, data, "stock", "--json")[1])
    }
    assert levels == {name: row["level"] - use.get(name, 0) for name, row in before.items()}

    code, out, _ = _run(capsys, data, "out", "oat")
    assert code == 0 and out.startswith("milk:oat marked out: queued")
    lines = _run(capsys, data, "stock")[1].splitlines()
    assert any(line.startswith("milk:oat") and line.endswith("OUT") for line in lines)
    code, _, err = _run(capsys, data, "in", "unicorn milk")
    assert code == 2 and "does not track 'unicorn milk'" in err and len(err.splitlines()) == 1

    node.net.up = True
    assert await node.sync()
    oat = next(i for i in org.stock_items(station_id) if i.name == "milk:oat")
    assert oat.out_of_stock is True and oat.level == levels["milk:oat"]
    assert _run(capsys, data, "in", "milk:oat")[0] == 0
    assert await node.sync()
    assert (
        next(i for i in org.stock_items(station_id) if i.name == "milk:oat").out_of_stock is False
    )
    check_all(org, [node])
