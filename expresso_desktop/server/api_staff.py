"""/api/v1/staff: people, roles, skills, availability, PINs (scrypt) and their stats."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from sqlmodel import Session, col, select

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Name, Strict, in_range, unset
from expresso_desktop.services import order_history
from expresso_desktop.services import schedule_admin as admin
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import StaffUser

api = Api("staff")
Role = Literal["organiser", "barista", "runner"]
Skill = Annotated[Name, StringConstraints(min_length=1, max_length=40)]
Pin = Annotated[str, StringConstraints(min_length=1, max_length=12)]
PersonName = Annotated[Name, StringConstraints(min_length=1, max_length=60)]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


def _real_day(value: str) -> str:
    in_range(date.fromisoformat(value))  # a real day, in range, or ValueError
    return value


class Availability(Strict):
    day: Annotated[
        str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_real_day)
    ]
    from_: HourMinute = Field(alias="from")
    to: HourMinute


class StaffFields(Strict):
    """Only the fields given change."""

    role: Role = unset()
    skills: list[Skill] = unset(max_length=20)
    availability: list[Availability] = unset(max_length=50)
    active: bool = unset()
    pin: Pin = unset(description="4-8 digits; stored as a scrypt hash")
    name: PersonName = unset()


class StaffIn(StaffFields):
    name: PersonName


class StaffOut(BaseModel):
    id: int
    name: str
    role: Role
    skills: list[str]
    availability: list[dict[str, Any]]
    active: bool
    has_pin: bool
    row_version: int

    @classmethod
    def of(cls, p: StaffUser) -> StaffOut:
        assert p.id is not None
        return cls(
            id=p.id,
            name=p.name,
            role=p.role,
            skills=list(p.skills_json),
            availability=list(p.availability_json),
            active=p.active,
            has_pin=p.pin_hash is not None,
            row_version=p.row_version,
        )


class StatsOut(BaseModel):
    """From the order history: the orders whose Done is this person's (not taken back), their
    drinks, and the median seconds from Start (or arrival) to Done."""

    staff_id: int
    orders_made: int
    drinks_made: int
    median_make_s: float | None


def _apply(person: StaffUser, body: StaffFields) -> str | None:
    fields = body.model_dump(exclude_unset=True, exclude={"pin"}, by_alias=True)
    for key, value in fields.items():
        column = {"skills": "skills_json", "availability": "availability_json"}.get(key, key)
        setattr(person, column, value)
    return body.pin


@api.op("GET", "/staff", "List staff", permission=Permission.MANAGE_EVENT, response=list[StaffOut])
async def list_staff(ctx: Ctx) -> list[StaffOut]:
    def read(session: Session) -> list[StaffOut]:
        rows = session.exec(
            select(StaffUser).where(StaffUser.deleted == False).order_by(col(StaffUser.name))  # noqa: E712
        )
        return [StaffOut.of(p) for p in rows.all()]

    return await ctx.read(read)


@api.op(
    "GET",
    "/staff/{staff_id}",
    "One staff member",
    permission=Permission.MANAGE_EVENT,
    response=StaffOut,
    errors=(404,),
)
async def get_staff(ctx: Ctx) -> StaffOut:
    staff_id = ctx.id_param("staff_id")
    return await ctx.read(lambda s: StaffOut.of(admin.live(s, StaffUser, staff_id, "staff member")))


@api.op(
    "POST",
    "/staff",
    "Add a staff member",
    permission=Permission.MANAGE_EVENT,
    body=StaffIn,
    response=StaffOut,
    status=201,
    errors=(422,),
)
async def create_staff(ctx: Ctx) -> StaffOut:
    person = StaffUser(name=ctx.body.name)
    pin = _apply(person, ctx.body)
    return await ctx.write(lambda tx: StaffOut.of(admin.save_staff(tx, person, pin)))


@api.op(
    "PATCH",
    "/staff/{staff_id}",
    "Change a staff member (role, skills, PIN...)",
    permission=Permission.MANAGE_EVENT,
    body=StaffFields,
    response=StaffOut,
    errors=(404, 422),
)
async def update_staff(ctx: Ctx) -> StaffOut:
    staff_id = ctx.id_param("staff_id")

    def write(tx: Tx) -> StaffOut:
        person = admin.live(tx.session, StaffUser, staff_id, "staff member")
        pin = _apply(person, ctx.body)
        return StaffOut.of(admin.save_staff(tx, person, pin))

    return await ctx.write(write)


@api.op(
    "DELETE",
    "/staff/{staff_id}",
    "Remove a staff member",
    permission=Permission.MANAGE_EVENT,
    response=StaffOut,
    errors=(404,),
)
async def delete_staff(ctx: Ctx) -> StaffOut:
    staff_id = ctx.id_param("staff_id")

    def write(tx: Tx) -> StaffOut:
        person = admin.live(tx.session, StaffUser, staff_id, "staff member")
        return StaffOut.of(admin.tombstone(tx, "staff_users", person))

    return await ctx.write(write)


@api.op(
    "GET",
    "/staff/{staff_id}/stats",
    "Orders and drinks made, median make time (from the order history)",
    permission=Permission.MANAGE_EVENT,
    response=StatsOut,
    errors=(404,),
)
async def stats(ctx: Ctx) -> StatsOut:
    staff_id = ctx.id_param("staff_id")

    def read(session: Session) -> StatsOut:
        admin.live(session, StaffUser, staff_id, "staff member")
        made = order_history.staff_stats(session, staff_id)
        return StatsOut(
            staff_id=staff_id,
            orders_made=made.orders_made,
            drinks_made=made.drinks_made,
            median_make_s=made.median_make_s,
        )

    return await ctx.read(read)
