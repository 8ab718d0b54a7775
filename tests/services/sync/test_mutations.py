"""The registry: every mutation name a station sends has a handler, schema versions are
honoured, and roles are checked."""

from __future__ import annotations

from collections.abc import Callable

from expresso_desktop.core.sync_protocol import SCHEMA_VERSION, MutationName, Reason
from expresso_desktop.services.sync.mutations import HANDLERS, resolve

from .conftest import Client


def test_every_mutation_name_has_a_handler() -> None:
    assert set(HANDLERS) == {name.value for name in MutationName}


def test_names_resolve_with_or_without_a_supported_schema() -> None:
    assert resolve("order.start") is HANDLERS["order.start"]
    assert resolve(f"order.start@{SCHEMA_VERSION}") is HANDLERS["order.start"]
    assert resolve("order.start@0") is None
    assert resolve(f"order.start@{SCHEMA_VERSION + 1}") is None
    assert resolve("order.start@x") is None
    assert resolve("order.teleport") is None


def test_roles_are_checked_per_mutation(client: Callable[..., Client]) -> None:
    runner = client(station=None, role="runner")
    answer = runner.push("stock.reset", item_id=1, counted_level=3)
    assert answer.results[0].reason == Reason.FORBIDDEN
    answer = runner.push("order.teleport", order_id="x")
    assert answer.results[0].reason == Reason.UNSUPPORTED_MUTATION
