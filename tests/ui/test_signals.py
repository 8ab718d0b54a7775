"""Signals carry one frozen dataclass, declared with its real type, and say so in their class's
docstring; the change bridge turns change sets and their alerts into those payloads."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path
from typing import Any

import pytest

import expresso_desktop.ui
from expresso_desktop.services.changes import Alert, Change, ChangeBus, ChangeSet
from expresso_desktop.ui.common.bridge import AlertRaised, ChangeBridge, ChangesCommitted
from expresso_desktop.ui.organiser.alerts import AlertsLine

UI = Path(expresso_desktop.ui.__file__).parent


def _signal_declarations() -> list[tuple[str, str, str, ast.Call, str]]:
    """(module, class, signal, the Signal(...) call, the class docstring) for every signal."""
    found = []
    for path in sorted(UI.rglob("*.py")):
        module = "expresso_desktop." + ".".join(path.relative_to(UI.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Call)
                    and isinstance(statement.value.func, ast.Name)
                    and statement.value.func.id == "Signal"
                ):
                    target = statement.targets[0]
                    assert isinstance(target, ast.Name)
                    doc = ast.get_docstring(node) or ""
                    found.append((module, node.name, target.id, statement.value, doc))
    return found


def test_the_ui_declares_signals() -> None:
    assert len(_signal_declarations()) >= 10  # the walk below is not looking at nothing


@pytest.mark.parametrize(
    "module,cls,name,call,doc",
    _signal_declarations(),
    ids=[f"{c}.{n}" for _, c, n, _, _ in _signal_declarations()],
)
def test_every_signal_carries_one_frozen_dataclass(
    module: str, cls: str, name: str, call: ast.Call, doc: str
) -> None:
    assert len(call.args) == 1 and not call.keywords, f"{cls}.{name}: one payload"
    arg = call.args[0]
    assert isinstance(arg, ast.Name), f"{cls}.{name}: declared with a class, not {ast.dump(arg)}"
    payload = getattr(importlib.import_module(module), arg.id)
    assert dataclasses.is_dataclass(payload), f"{cls}.{name}: {arg.id} is not a dataclass"
    params: Any = payload.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen, f"{cls}.{name}: {arg.id} is not frozen"
    assert f"{name}({arg.id})" in doc, f"{cls}'s docstring does not list {name}({arg.id})"


def test_the_bridge_sends_typed_changes_and_alerts(qtbot: Any) -> None:
    bus = ChangeBus()
    bridge = ChangeBridge(bus)
    line = AlertsLine()
    qtbot.addWidget(line)
    bridge.alert_raised.connect(line.add)
    changes = ChangeSet(initiator="lan:3")
    changes.changes += [
        Change(7, "orders", "o-1", "upsert", {"id": "o-1"}),
        Change(8, "order_items", "41", "upsert", {"order_id": "o-2"}),
        Change(9, "stations", "2", "upsert", {"id": 2}),
        Change(10, "stock_items", "5", "upsert", {"id": 5}),
    ]
    changes.alerts.append(Alert("stock_out", "Oat milk is out at Station 2", "5"))
    changes.touched.add("sms_messages")
    got: list[object] = []
    bridge.committed.connect(got.append)
    bridge.alert_raised.connect(got.append)
    try:
        bus.publish(changes)  # from this thread here; the writer's thread in the app
        qtbot.waitUntil(lambda: len(got) == 2)
        committed = got[0]
        assert committed == ChangesCommitted(
            initiator="lan:3",
            order_ids=frozenset({"o-1", "o-2"}),
            station_ids=frozenset({2}),
            stock_item_ids=frozenset({5}),
            messages_touched=True,
            alerts=(Alert("stock_out", "Oat milk is out at Station 2", "5"),),
            changes=tuple(changes.changes),
        )
        assert committed.by("lan:3") and not committed.by("ui:setup")
        alert = got[1]
        assert alert == AlertRaised("stock_out", "Oat milk is out at Station 2", "5", "lan:3")
        # Shown in words with a mark, not by colour alone.
        assert not line.isHidden()
        assert line.label.text() == "⚠ Problem: Oat milk is out at Station 2"
        line.clear()
        assert line.isHidden() and line.alerts == ()
    finally:
        bridge.close()
