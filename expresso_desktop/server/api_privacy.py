"""/api/v1/customers/{id}/phone and /api/v1/privacy/purge: customers' numbers, organiser only.

Every other answer shows phone numbers masked. An organiser who must call a customer asks for
that one number (logged and raised as an alert: ``services.privacy``); after the event the purge
removes numbers and message bodies and keeps the counts (``services.purge``).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel, Field

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Strict
from expresso_desktop.services import privacy
from expresso_desktop.services.purge import ReportCounts, purge_customer_data

api = Api("privacy")


class PhoneOut(BaseModel):
    customer_id: int
    phone: str = Field(description="E.164, in full")


@api.op(
    "GET",
    "/customers/{customer_id}/phone",
    "One customer's phone number in full (logged, and raised as an alert)",
    permission=Permission.MANAGE_EVENT,
    response=PhoneOut,
    errors=(404, 409),
)
async def reveal_phone(ctx: Ctx) -> PhoneOut:
    customer_id = ctx.id_param("customer_id")
    who = f"device {ctx.device.name!r}"
    phone = await ctx.write(lambda tx: privacy.reveal_phone(tx, customer_id, revealed_by=who))
    return PhoneOut(customer_id=customer_id, phone=phone)


class PurgeIn(Strict):
    confirm: Literal[True] = Field(description="must be true: the purge cannot be undone")


class CountsOut(BaseModel):
    """What reports are made of; the purge keeps all of it."""

    customers: int
    orders_by_status: dict[str, int]
    orders_by_hour: dict[str, int] = Field(description='UTC hour ("2025-03-01 09") → orders')
    messages_by_direction_status: dict[str, dict[str, int]]
    messages_by_hour: dict[str, dict[str, int]] = Field(description="UTC hour → direction → texts")

    @classmethod
    def of(cls, counts: ReportCounts) -> CountsOut:
        return cls.model_validate(counts.to_json())


class PurgeOut(BaseModel):
    customers_purged: int
    messages_purged: int
    remaining: CountsOut
    removed_copies: list[str] = Field(description="copies of the database from before upgrades")


@api.op(
    "POST",
    "/privacy/purge",
    "After the event: remove customers' numbers and message bodies, keep the counts",
    permission=Permission.MANAGE_EVENT,
    body=PurgeIn,
    response=PurgeOut,
)
async def purge(ctx: Ctx) -> PurgeOut:
    # Batches through the single writer; this waits in a worker thread, not on the loop.
    result = await asyncio.to_thread(
        purge_customer_data, ctx.services.writer, initiator=f"lan:{ctx.device.id}"
    )
    return PurgeOut(
        customers_purged=result.customers_purged,
        messages_purged=result.messages_purged,
        remaining=CountsOut.of(result.remaining),
        removed_copies=list(result.removed_copies),
    )
