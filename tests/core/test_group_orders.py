"""Group orders: what a valid group is, and when its one pickup text is due."""

from __future__ import annotations

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.group_orders import (
    MAX_GROUP_SIZE,
    GroupMember,
    progress,
    validate_group,
)
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import OrderStatus as S

LATTE = DrinkSpec("latte", "medium", "full cream")


def members(*names: str) -> list[GroupMember]:
    return [GroupMember(name, LATTE) for name in names]


def test_a_group_of_named_drinks_up_to_the_limit_is_valid() -> None:
    validate_group(members("Sam"))
    validate_group(members(*(f"P{i}" for i in range(MAX_GROUP_SIZE))))


@pytest.mark.parametrize(
    ("group", "field", "message"),
    [
        ([], "members", "at least one drink"),
        (members(*(f"P{i}" for i in range(MAX_GROUP_SIZE + 1))), "members", "at most 40"),
        (members("Sam", "  "), "members.name", "needs a name"),
        (members(""), "members.name", "needs a name"),
    ],
)
def test_invalid_groups_name_the_field(group: list[GroupMember], field: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        validate_group(group)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("statuses", "ready", "cancelled", "complete"),
    [
        ([S.READY, S.READY], 2, 0, True),
        ([S.READY, S.COLLECTED], 2, 0, True),  # collected early still counts as done
        ([S.READY, S.IN_PROGRESS], 1, 0, False),
        ([S.NEW, S.NEW], 0, 0, False),
        ([S.READY, S.CANCELLED], 1, 1, True),  # a cancelled drink is not waited for
        ([S.CANCELLED, S.CANCELLED], 0, 2, False),  # nothing left to pick up: no text
        ([], 0, 0, False),
    ],
)
def test_the_pickup_text_is_due_when_everything_still_wanted_is_ready(
    statuses: list[S], ready: int, cancelled: int, complete: bool
) -> None:
    got = progress(statuses)
    assert (got.total, got.ready, got.cancelled) == (len(statuses), ready, cancelled)
    assert got.complete is complete
