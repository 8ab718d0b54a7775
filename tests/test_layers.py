"""The shape of the package, as rules a change cannot break quietly (docs/architecture.md).

Every import in every module (top level, inside functions, under ``TYPE_CHECKING``) is read
from the source, so an import moved into a function to dodge a cycle still counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import expresso_desktop

PACKAGE = Path(expresso_desktop.__file__).parent
ROOT = "expresso_desktop"

# Modules every layer may use: the error base classes, settings/paths, logging set-up, the
# start/stop protocol of long-running parts. They import nothing of ours but the core.
BASE = {"errors", "settings", "logs", "lifecycle", "__init__"}

# Which layers each layer may import (besides itself and BASE). Read "store → core" as "store
# may import core". The station side (sync, ui.barista) never reaches organiser-only layers.
ALLOWED: dict[str, set[str]] = {
    **{base: {"core"} for base in BASE},
    "core": set(),
    "store": {"core"},
    "services": {"core", "store"},
    "sms": {"core", "store", "services"},
    "server": {"core", "store", "services", "sms"},
    "sync": {"core", "store"},
    "ui.common": {"core", "services", "sync"},
    "ui.organiser": {"core", "services", "sms", "ui.common"},
    "ui.barista": {"core", "sync", "ui.common"},
    "app": {"core", "store", "services", "sms", "server", "sync", "ui"},
    "cli": {"core", "store", "services", "sms", "server", "sync", "app"},
}
ORGANISER_ONLY = ("services", "sms", "server", "ui.organiser")

# Third-party libraries a layer must not touch.
FORBIDDEN_LIBS: dict[str, tuple[str, ...]] = {
    "core": ("PySide6", "aiohttp", "sqlmodel", "sqlalchemy", "twilio", "zeroconf", "alembic"),
    "store": ("PySide6", "aiohttp", "twilio", "zeroconf"),
    "services": ("PySide6", "aiohttp", "twilio", "zeroconf"),
    "sms": ("PySide6",),
    "server": ("PySide6",),
    "sync": ("PySide6", "sqlmodel", "twilio"),
    "ui": ("sqlalchemy", "sqlmodel", "aiohttp", "twilio", "zeroconf", "alembic", "keyring"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([ROOT, *parts])


@cache
def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    is_package = _sources()[module].name == "__init__.py"
    keep = len(base) - node.level + (1 if is_package else 0)
    return ".".join(base[:keep] + ([node.module] if node.module else []))


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module ``module`` imports (ours resolved to the deepest existing module)."""
    tree = ast.parse(_sources()[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:  # `from pkg import module` names a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in _sources() else target)
    return frozenset(found)


def _ours(name: str) -> str | None:
    while name and name not in _sources():
        name = name.rpartition(".")[0]
    return name or None


def layer_of(module: str) -> str:
    rel = module.removeprefix(ROOT).lstrip(".")
    head = rel.split(".")[0] if rel else "__init__"
    if head == "ui":
        sub = rel.split(".")[1] if rel.count(".") >= 1 else "common"
        return f"ui.{sub}" if f"ui.{sub}" in ALLOWED else "ui.common"
    return head


def _may_import(layer: str, target: str) -> bool:
    if target in BASE or target == layer:
        return True
    allowed = ALLOWED.get(layer, set())
    return target in allowed or any(target.startswith(f"{a}.") for a in allowed)


def _internal_edges() -> Iterator[tuple[str, str]]:
    for module in _sources():
        for name in imports_of(module):
            if name.startswith(ROOT + ".") or name == ROOT:
                target = _ours(name)
                if target is not None and target != module:
                    yield module, target


def test_the_layer_map_covers_every_module() -> None:
    unknown = {layer_of(m) for m in _sources()} - set(ALLOWED)
    assert unknown == set(), "add these packages to ALLOWED"


def test_no_layer_imports_upward_or_sideways() -> None:
    offenders = sorted(
        f"{module} -> {target}"
        for module, target in _internal_edges()
        if not _may_import(layer_of(module), layer_of(target))
    )
    assert not offenders, "\n" + "\n".join(offenders)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_LIBS))
def test_layers_keep_off_libraries_they_must_not_use(layer: str) -> None:
    banned = FORBIDDEN_LIBS[layer]
    offenders = sorted(
        f"{module}: {name}"
        for module in _sources()
        if layer_of(module) == layer or layer_of(module).startswith(layer + ".")
        for name in imports_of(module)
        if name.split(".")[0] in banned
    )
    assert not offenders, "\n" + "\n".join(offenders)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in _sources()}
    for module, target in _internal_edges():
        # A package's __init__ re-exporting its modules is not a cycle of design.
        if not module.startswith(target + ".") and not target.startswith(module + "."):
            graph[module].add(target)
    cycles = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
    assert not cycles, "\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_station_side_never_loads_organiser_modules() -> None:
    """Everything a barista station runs (sync/, ui/barista/) reaches only shared modules."""
    graph: dict[str, set[str]] = {m: set() for m in _sources()}
    for module, target in _internal_edges():
        graph[module].add(target)
    starts = [m for m in _sources() if layer_of(m) in ("sync", "ui.barista")]
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        module = stack.pop()
        if module not in seen:
            seen.add(module)
            stack.extend(graph[module])
    reached = sorted(m for m in seen if layer_of(m).startswith(ORGANISER_ONLY))
    assert not reached, "\n" + "\n".join(reached)


def test_the_windows_never_block_on_the_writer() -> None:
    """Screens write through the op runner; ``run_sync`` would freeze the GUI thread."""
    offenders = sorted(
        module
        for module, path in _sources().items()
        if layer_of(module).startswith("ui") and "run_sync(" in path.read_text(encoding="utf-8")
    )
    assert not offenders, "\n" + "\n".join(offenders)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (the import graph is deep enough to matter)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components
