"""/api/v1/group-orders: one person orders for a team; linked orders, progress ("3 of 5
ready"), and a contact phone that gets one pickup text when every drink still wanted is ready.
The number is shown masked in every answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session, col, select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Id, Name, NotFound, Strict
from expresso_desktop.server.api_orders import ItemIn
from expresso_desktop.server.schemas import OrderOut
from expresso_desktop.services import order_actions
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import group_orders
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Customer, GroupOrder

api = Api("group orders")
PersonName = Annotated[Name, StringConstraints(min_length=1, max_length=60)]


class MemberIn(Strict):
    name: PersonName
    item: ItemIn


class GroupIn(Strict):
    organiser_name: PersonName
    station_id: Id | None = Field(default=None, description="default: the caller's station")
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    contact_phone: str | None = Field(
        default=None,
        max_length=32,
        description="E.164 (+61400123456): texted once when all the group's drinks are ready",
    )


class ProgressOut(BaseModel):
    total: int
    ready: int
    cancelled: int
    complete: bool


class GroupOut(BaseModel):
    id: str
    organiser_name: str
    contact_phone: str | None = Field(description="masked; null when nobody is texted")
    pickup_notified: bool
    created_at: datetime
    orders: list[OrderOut]
    progress: ProgressOut


def _out(session: Session, group: GroupOrder) -> GroupOut:
    members = order_actions.group_members(session, group.id)
    p = order_actions.group_progress(members)
    contact = session.get(Customer, group.customer_id) if group.customer_id is not None else None
    return GroupOut(
        id=group.id,
        organiser_name=group.organiser_name,
        contact_phone=mask_phone(contact.phone) if contact is not None else None,
        pickup_notified=group.pickup_notified,
        created_at=group.created_at,
        orders=[OrderOut.of(o, list(orders_repo.items(o.id, session=session))) for o in members],
        progress=ProgressOut(
            total=p.total, ready=p.ready, cancelled=p.cancelled, complete=p.complete
        ),
    )


@api.op(
    "POST",
    "/group-orders",
    "Create a group order (one drink per person)",
    permission=Permission.ORDER_CREATE,
    body=GroupIn,
    response=GroupOut,
    status=201,
    errors=(403, 409, 422),
)
async def create_group(ctx: Ctx) -> GroupOut:
    body: GroupIn = ctx.body
    station_id = body.station_id if body.station_id is not None else ctx.device.station_id
    if station_id is None:
        raise ValidationError("say which station makes the group's drinks", field="station_id")
    ctx.require_station(station_id)
    group_orders.contact_number(body.contact_phone)  # a bad number: 422 before any write
    draft = group_orders.GroupDraft(
        organiser_name=body.organiser_name,
        station_id=station_id,
        members=[
            order_actions.GroupMemberIn(m.name, m.item.model_dump(exclude_none=True))
            for m in body.members
        ],
        contact_phone=body.contact_phone,
    )
    services = ctx.services

    def write(tx: Tx) -> GroupOut:
        group, _ = group_orders.place_group(
            tx, draft, event_id=services.event_id, menu=services.menu, actor=ctx.actor
        )
        return _out(tx.session, group)

    return await ctx.write(write)


@api.op(
    "GET",
    "/group-orders",
    "List group orders",
    permission=Permission.READ_BOARD,
    response=list[GroupOut],
)
async def list_groups(ctx: Ctx) -> list[GroupOut]:
    def read(session: Session) -> list[GroupOut]:
        rows = session.exec(
            select(GroupOrder)
            .where(GroupOrder.event_id == ctx.services.event_id, GroupOrder.deleted == False)  # noqa: E712
            .order_by(col(GroupOrder.created_at))
        )
        return [_out(session, g) for g in rows.all()]

    return await ctx.read(read)


@api.op(
    "GET",
    "/group-orders/{group_id}",
    "One group order with its progress",
    permission=Permission.READ_BOARD,
    response=GroupOut,
    errors=(404,),
)
async def get_group(ctx: Ctx) -> GroupOut:
    group_id = ctx.str_param("group_id")

    def read(session: Session) -> GroupOut:
        group = session.get(GroupOrder, group_id)
        if group is None or group.deleted:
            raise NotFound(f"no group order {group_id}")
        return _out(session, group)

    return await ctx.read(read)
