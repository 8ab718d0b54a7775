"""/api/v1/schedule: shifts, breaks, operating hours and today's view."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema
from sqlmodel import Session, col, select

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Day, Id, Instant, Strict, unset
from expresso_desktop.services import schedule_admin as admin
from expresso_desktop.services.station_views import event_zone
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Break, OperatingHours, Shift, StaffUser

api = Api("schedule")
Role = Literal["organiser", "barista", "runner"]
_WALL_TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _wall_time(value: Any) -> Any:
    """Opening hours are wall-clock times in the event's zone: ``HH:MM[:SS]``, no offset."""
    if not isinstance(value, str) or not re.fullmatch(_WALL_TIME, value):
        raise ValueError("must be a local time HH:MM or HH:MM:SS (no offset)")
    return time.fromisoformat(value)


WallTime = Annotated[
    time,
    BeforeValidator(_wall_time),
    WithJsonSchema({"type": "string", "pattern": _WALL_TIME, "examples": ["07:30"]}),
]


class ShiftIn(Strict):
    staff_id: Id
    station_id: Id | None = None
    starts_at: Instant
    ends_at: Instant
    role: Role = "barista"


class ShiftPatch(Strict):
    """Only the fields given change (``station_id: null``: no station); the changed shift is
    checked like a new one."""

    station_id: Id | None = None
    starts_at: Instant = unset()
    ends_at: Instant = unset()
    role: Role = unset()


class BreakIn(Strict):
    starts_at: Instant
    ends_at: Instant


class HoursIn(Strict):
    station_id: Id | None = None
    day: Day
    opens: WallTime
    closes: WallTime


class BreakOut(BaseModel):
    id: int
    shift_id: int
    starts_at: datetime
    ends_at: datetime


class ShiftOut(BaseModel):
    id: int
    staff_id: int
    staff_name: str | None
    station_id: int | None
    starts_at: datetime
    ends_at: datetime
    role: Role
    breaks: list[BreakOut]
    row_version: int


class HoursOut(BaseModel):
    id: int
    station_id: int | None
    day: date
    opens: time
    closes: time


class TodayOut(BaseModel):
    day: date
    timezone: str
    hours: list[HoursOut]
    shifts: list[ShiftOut]
    on_shift_now: list[int] = Field(description="ids of shifts running now, not on a break")


class ScheduleQuery(Strict):
    station_id: Id | None = None
    staff_id: Id | None = None


def _shift_out(session: Session, shift: Shift) -> ShiftOut:
    assert shift.id is not None
    person = session.get(StaffUser, shift.staff_id)
    breaks = session.exec(
        select(Break).where(Break.shift_id == shift.id, Break.deleted == False)  # noqa: E712
    ).all()
    return ShiftOut(
        **shift.model_dump(exclude={"deleted"}),
        staff_name=person.name if person else None,
        breaks=[BreakOut.model_validate(b, from_attributes=True) for b in breaks],
    )


def _shifts(
    session: Session, q: ScheduleQuery, start: datetime | None = None, end: datetime | None = None
) -> list[Shift]:
    query = select(Shift).where(Shift.deleted == False)  # noqa: E712
    if q.station_id is not None:
        query = query.where(Shift.station_id == q.station_id)
    if q.staff_id is not None:
        query = query.where(Shift.staff_id == q.staff_id)
    if start is not None and end is not None:
        query = query.where(col(Shift.ends_at) > start, col(Shift.starts_at) < end)
    return list(session.exec(query.order_by(col(Shift.starts_at), col(Shift.id))).all())


@api.op(
    "GET",
    "/schedule/shifts",
    "List shifts",
    permission=Permission.READ_BOARD,
    query=ScheduleQuery,
    response=list[ShiftOut],
)
async def list_shifts(ctx: Ctx) -> list[ShiftOut]:
    return await ctx.read(lambda s: [_shift_out(s, x) for x in _shifts(s, ctx.query)])


@api.op(
    "POST",
    "/schedule/shifts",
    "Add a shift (checked against the roster and hours)",
    permission=Permission.MANAGE_EVENT,
    body=ShiftIn,
    response=ShiftOut,
    status=201,
    errors=(404, 422),
)
async def create_shift(ctx: Ctx) -> ShiftOut:
    shift = Shift(**ctx.body.model_dump())
    event_id = ctx.services.event_id
    return await ctx.write(lambda tx: _shift_out(tx.session, admin.save_shift(tx, event_id, shift)))


@api.op(
    "PATCH",
    "/schedule/shifts/{shift_id}",
    "Change a shift",
    permission=Permission.MANAGE_EVENT,
    body=ShiftPatch,
    response=ShiftOut,
    errors=(404, 422),
)
async def update_shift(ctx: Ctx) -> ShiftOut:
    shift_id, fields = ctx.id_param("shift_id"), ctx.body.model_dump(exclude_unset=True)

    def write(tx: Tx) -> ShiftOut:
        shift = admin.live(tx.session, Shift, shift_id, "shift")
        for key, value in fields.items():
            setattr(shift, key, value)
        return _shift_out(tx.session, admin.save_shift(tx, ctx.services.event_id, shift))

    return await ctx.write(write)


@api.op(
    "DELETE",
    "/schedule/shifts/{shift_id}",
    "Remove a shift",
    permission=Permission.MANAGE_EVENT,
    response=ShiftOut,
    errors=(404,),
)
async def delete_shift(ctx: Ctx) -> ShiftOut:
    shift_id = ctx.id_param("shift_id")

    def write(tx: Tx) -> ShiftOut:
        shift = admin.tombstone(tx, "shifts", admin.live(tx.session, Shift, shift_id, "shift"))
        return _shift_out(tx.session, shift)

    return await ctx.write(write)


@api.op(
    "POST",
    "/schedule/shifts/{shift_id}/breaks",
    "Add a break to a shift",
    permission=Permission.MANAGE_EVENT,
    body=BreakIn,
    response=BreakOut,
    status=201,
    errors=(404, 422),
)
async def add_break(ctx: Ctx) -> BreakOut:
    brk = Break(shift_id=ctx.id_param("shift_id"), **ctx.body.model_dump())
    event_id = ctx.services.event_id
    saved = await ctx.write(lambda tx: admin.save_break(tx, event_id, brk))
    return BreakOut.model_validate(saved, from_attributes=True)


@api.op(
    "DELETE",
    "/schedule/breaks/{break_id}",
    "Remove a break",
    permission=Permission.MANAGE_EVENT,
    response=BreakOut,
    errors=(404,),
)
async def delete_break(ctx: Ctx) -> BreakOut:
    break_id = ctx.id_param("break_id")
    saved = await ctx.write(
        lambda tx: admin.tombstone(tx, "breaks", admin.live(tx.session, Break, break_id, "break"))
    )
    return BreakOut.model_validate(saved, from_attributes=True)


def _hours(session: Session, event_id: int, day: date | None = None) -> list[HoursOut]:
    query = select(OperatingHours).where(
        OperatingHours.event_id == event_id,
        OperatingHours.deleted == False,  # noqa: E712
    )
    if day is not None:
        query = query.where(OperatingHours.day == day)
    rows = session.exec(query.order_by(col(OperatingHours.day), col(OperatingHours.opens)))
    return [HoursOut.model_validate(h, from_attributes=True) for h in rows.all()]


@api.op(
    "GET",
    "/schedule/hours",
    "Operating hours",
    permission=Permission.READ_BOARD,
    response=list[HoursOut],
)
async def list_hours(ctx: Ctx) -> list[HoursOut]:
    return await ctx.read(lambda s: _hours(s, ctx.services.event_id))


@api.op(
    "POST",
    "/schedule/hours",
    "Add operating hours for a day (event-wide or one station)",
    permission=Permission.MANAGE_EVENT,
    body=HoursIn,
    response=HoursOut,
    status=201,
    errors=(404, 422),
)
async def add_hours(ctx: Ctx) -> HoursOut:
    row = OperatingHours(event_id=ctx.services.event_id, **ctx.body.model_dump())
    saved = await ctx.write(lambda tx: admin.save_hours(tx, row))
    return HoursOut.model_validate(saved, from_attributes=True)


@api.op(
    "DELETE",
    "/schedule/hours/{hours_id}",
    "Remove operating hours",
    permission=Permission.MANAGE_EVENT,
    response=HoursOut,
    errors=(404,),
)
async def delete_hours(ctx: Ctx) -> HoursOut:
    hours_id = ctx.id_param("hours_id")
    saved = await ctx.write(
        lambda tx: admin.tombstone(
            tx, "operating_hours", admin.live(tx.session, OperatingHours, hours_id, "hours")
        )
    )
    return HoursOut.model_validate(saved, from_attributes=True)


@api.op(
    "GET",
    "/schedule/today",
    "Today's hours and shifts (event-local day)",
    permission=Permission.READ_BOARD,
    query=ScheduleQuery,
    response=TodayOut,
)
async def today(ctx: Ctx) -> TodayOut:
    def read(session: Session) -> TodayOut:
        zone = event_zone(session, ctx.services.event_id)
        now = datetime.now(zone)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        shifts = [
            _shift_out(session, s)
            for s in _shifts(session, ctx.query, start, start + timedelta(days=1))
        ]
        running = [
            s.id
            for s in shifts
            if s.starts_at <= now < s.ends_at
            and not any(b.starts_at <= now < b.ends_at for b in s.breaks)
        ]
        return TodayOut(
            day=now.date(),
            timezone=str(zone),
            shifts=shifts,
            on_shift_now=running,
            hours=_hours(session, ctx.services.event_id, now.date()),
        )

    return await ctx.read(read)
