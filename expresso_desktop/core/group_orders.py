"""Group orders: one person orders for a team; linked orders, one pickup text when all are ready."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import OrderStatus

MAX_GROUP_SIZE = 40


@dataclass(frozen=True, slots=True)
class GroupMember:
    name: str
    item: DrinkSpec


@dataclass(frozen=True, slots=True)
class GroupProgress:
    total: int
    ready: int  # ready or collected
    cancelled: int

    @property
    def complete(self) -> bool:
        """Everything still wanted is ready: time for the one pickup text."""
        return self.total > self.cancelled and self.ready == self.total - self.cancelled


def validate_group(members: Sequence[GroupMember]) -> None:
    if not members:
        raise ValidationError("a group order needs at least one drink", field="members")
    if len(members) > MAX_GROUP_SIZE:
        raise ValidationError(f"at most {MAX_GROUP_SIZE} drinks per group", field="members")
    for m in members:
        if not m.name.strip():
            raise ValidationError("every drink in a group needs a name", field="members.name")


def progress(statuses: Sequence[OrderStatus]) -> GroupProgress:
    done = sum(s in (OrderStatus.READY, OrderStatus.COLLECTED) for s in statuses)
    cancelled = sum(s is OrderStatus.CANCELLED for s in statuses)
    return GroupProgress(len(statuses), done, cancelled)
