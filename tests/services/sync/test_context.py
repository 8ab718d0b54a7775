"""What every handler shares: argument checks refuse with ``invalid_args``; an unknown entity
is refused, or deferred while the organiser recovers; baristas act for their own station."""

from __future__ import annotations

from typing import Any

import pytest

from expresso_desktop.core.sync_protocol import Reason
from expresso_desktop.services.sync.context import (
    Caller,
    Deferred,
    MutationCtx,
    Refused,
    arg_int,
    arg_qty,
    arg_str,
    own_station,
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


def test_baristas_act_for_their_own_station_only() -> None:
    own_station(_ctx(station=1), 1)
    own_station(_ctx(station=1), None)  # unassigned: anybody's
    own_station(_ctx("organiser", None), 2)
    with pytest.raises(Refused) as caught:
        own_station(_ctx(station=1), 2)
    assert caught.value.code == Reason.NOT_YOUR_STATION
