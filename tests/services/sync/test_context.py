"""What every handler shares: argument checks refuse with ``invalid_args``; an unknown entity
is refused, or deferred while the organiser recovers; the actor the order services see.
(Baristas acting for their own station: ``tests/services/test_order_rules.py``.)"""

from __future__ import annotations

from typing import Any

import pytest

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.sync_protocol import Reason
from expresso_desktop.services.sync.context import (
    Caller,
    Deferred,
    MutationCtx,
    Refused,
    arg_int,
    arg_qty,
    arg_str,
    unknown,
)


def _ctx(role: str = "barista", station: int | None = 1, *, recovering: bool = False) -> Any:
    caller = Caller("c1", role, station)
    return MutationCtx(None, caller, 1, 1, None, recovering)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("check", "args"),
    [
        (lambda a: arg_str(a, "k"), {"k": "  "}),
        (lambda a: arg_str(a, "k", max_len=3), {"k": "four"}),
        (lambda a: arg_str(a, "k"), {"k": 5}),
        (lambda a: arg_int(a, "k"), {"k": True}),
        (lambda a: arg_int(a, "k"), {"k": "5"}),
        (lambda a: arg_qty(a), {"qty": 0}),
        (lambda a: arg_qty(a), {"qty": "a lot"}),
        (lambda a: arg_qty(a), {"qty": 2e6}),
    ],
)
def test_bad_arguments_are_refused_as_invalid_args(check: Any, args: dict[str, Any]) -> None:
    with pytest.raises(Refused) as caught:
        check(args)
    assert caught.value.code == Reason.INVALID_ARGS


def test_good_arguments_are_read() -> None:
    assert arg_str({"k": " latte "}, "k") == "latte"
    assert arg_str({}, "k", optional=True) is None
    assert arg_int({"k": 3}, "k") == 3 and arg_int({}, "k", optional=True) is None
    assert arg_qty({"qty": 2}) == 2.0


def test_an_unknown_entity_is_refused_unless_recovering() -> None:
    refused = unknown(_ctx(), "order x")
    assert isinstance(refused, Refused) and refused.code == Reason.UNKNOWN_ENTITY
    assert isinstance(unknown(_ctx(recovering=True), "order x"), Deferred)


def test_the_actor_is_the_pushing_device_with_the_barista_it_names() -> None:
    caller = Caller("c1", "barista", 3, "bar 3", device_id=7)
    ctx = MutationCtx(None, caller, 1, 1, None)  # type: ignore[arg-type]
    actor = ctx.actor({"order_id": "x", "staff_id": 12})
    assert actor == Actor("barista", 3, 7, 12, "c1", "bar 3")
    assert ctx.actor({"staff_id": "12"}).staff_id is None  # not an id: nobody
    assert ctx.actor({"staff_id": True}).staff_id is None
    assert ctx.actor({}).staff_id is None
