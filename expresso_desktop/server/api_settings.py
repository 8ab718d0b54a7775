"""/api/v1/event and /api/v1/settings: name, branding, milk colours, templates, sponsor line,
VIP codes, reminder timing, intake limits, per-station settings. The keys, defaults and checks
are ``services.event_settings``'s; the models here only type them at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from sqlmodel import Session

from expresso_desktop.core.intake import HARD_LIMIT, ThrottleMode
from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import (
    Api,
    Ctx,
    Instant,
    Name,
    NotFound,
    Strict,
    unset,
)
from expresso_desktop.services import event_admin, event_settings
from expresso_desktop.services.event_settings import MAX_THROTTLE_MINUTES
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Event

api = Api("settings")
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{3,20}$")]


def _known_zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("not an IANA time zone name, e.g. Australia/Sydney")
    return value


Zone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_zone)]


class EventOut(BaseModel):
    id: int
    name: str
    primary_colour: str
    accent_colour: str
    logo_path: str | None
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    row_version: int


class EventPatch(Strict):
    """Only the fields given change; ``null`` clears the optional ones (logo, start, end)."""

    name: Annotated[Name, StringConstraints(min_length=1, max_length=80)] = unset()
    primary_colour: Colour = unset()
    accent_colour: Colour = unset()
    logo_path: Annotated[str, StringConstraints(max_length=500)] | None = None
    timezone: Zone = unset()
    starts_at: Instant | None = None
    ends_at: Instant | None = None


class StationSettingsOut(BaseModel):
    """One station's own settings (``core.station_settings``), defaults filled in."""

    sound: bool = Field(description="a sound when a new order arrives")
    label_printing: bool = Field(description="the station has a label printer")
    auto_print: bool = Field(description="print each new order's cup label without a tap")
    amber_after_min: int = Field(description="a waiting order's card turns amber after")
    red_after_min: int = Field(description="... and red after (more than amber)")


class StationSettingsPatch(Strict):
    """Only the names given change; a default value removes the stored one."""

    sound: bool = unset()
    label_printing: bool = unset()
    auto_print: bool = unset()
    amber_after_min: int = unset(ge=1, le=120)
    red_after_min: int = unset(ge=1, le=240)


StationKey = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,17}$")]


class SettingsOut(BaseModel):
    milk_colours: dict[str, str]
    templates: dict[str, str] = Field(description="overrides of the bundled templates")
    sponsor_line: str
    vip_codes: list[str] | None = Field(description="null unless the caller is the organiser")
    reminder_minutes: int
    max_drinks_per_order: int = Field(description="more drinks in one text are asked to confirm")
    throttle_wait_minutes: int = Field(description="a quoted wait above it holds orders; 0: off")
    throttle_mode: ThrottleMode = Field(description="held orders: asked YES, or told to retry")
    station_settings: dict[str, StationSettingsOut] = Field(description="by station id")


class SettingsPatch(Strict):
    """Only the keys given change."""

    milk_colours: dict[Annotated[Name, StringConstraints(max_length=30)], Colour] = unset()
    templates: dict[str, Annotated[str, StringConstraints(max_length=640)]] = unset()
    sponsor_line: Annotated[str, StringConstraints(max_length=160)] = unset()
    vip_codes: list[Code] = unset(max_length=200)
    reminder_minutes: int = unset(ge=1, le=120)
    max_drinks_per_order: int = unset(ge=1, le=HARD_LIMIT)
    throttle_wait_minutes: int = unset(ge=0, le=MAX_THROTTLE_MINUTES)
    throttle_mode: ThrottleMode = unset()
    station_settings: dict[StationKey, StationSettingsPatch] = unset()


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("no event")
    return event


@api.op(
    "GET",
    "/event",
    "The event: name, branding, time zone",
    permission=Permission.READ_BOARD,
    response=EventOut,
)
async def get_event(ctx: Ctx) -> EventOut:
    return await ctx.read(
        lambda s: EventOut.model_validate(_event(s, ctx.services.event_id), from_attributes=True)
    )


@api.op(
    "PATCH",
    "/event",
    "Change the event's name, branding or time zone",
    permission=Permission.MANAGE_EVENT,
    body=EventPatch,
    response=EventOut,
    errors=(422,),
)
async def update_event(ctx: Ctx) -> EventOut:
    fields = ctx.body.model_dump(exclude_unset=True)

    def write(tx: Tx) -> EventOut:
        event = event_admin.update_event(tx, ctx.services.event_id, fields)
        return EventOut.model_validate(event, from_attributes=True)

    return await ctx.write(write)


def _out(ctx: Ctx, values: dict[str, Any]) -> SettingsOut:
    if not ctx.is_organiser:
        values = {**values, "vip_codes": None}
    return SettingsOut(**values)


@api.op(
    "GET",
    "/settings",
    "The event's settings",
    permission=Permission.READ_BOARD,
    response=SettingsOut,
)
async def get_settings(ctx: Ctx) -> SettingsOut:
    values = await ctx.read(lambda s: event_settings.current(s, ctx.services.menu))
    return _out(ctx, values)


@api.op(
    "PATCH",
    "/settings",
    "Change settings (only the keys given)",
    permission=Permission.MANAGE_EVENT,
    body=SettingsPatch,
    response=SettingsOut,
    errors=(422,),
)
async def update_settings(ctx: Ctx) -> SettingsOut:
    changes = ctx.body.model_dump(exclude_unset=True)  # nested patches keep only names given
    services = ctx.services

    def write(tx: Tx) -> dict[str, Any]:
        event_settings.update(tx, changes, services.menu, services.templates)
        return event_settings.current(tx.session, services.menu)

    return _out(ctx, await ctx.write(write))
