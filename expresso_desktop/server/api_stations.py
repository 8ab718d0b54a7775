"""/api/v1/stations: the stations, what each can make, open/paused, names and locations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Forbidden, Name, Strict, unset
from expresso_desktop.services import station_admin
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Station

api = Api("stations")
Status = Literal["open", "paused", "closed"]
Word = Annotated[Name, StringConstraints(min_length=1, max_length=40)]


class Capabilities(Strict):
    drinks: list[Word] = Field(default_factory=list, max_length=100)
    milks: list[Word] = Field(default_factory=list, max_length=100)
    extras: list[Word] = Field(default_factory=list, max_length=100)


class StationFields(Strict):
    """Only the fields given change; ``null`` clears ``name`` and ``map_url``, ``""`` the
    location."""

    name: Annotated[Name, StringConstraints(max_length=40)] | None = None
    location: Annotated[Name, StringConstraints(max_length=120)] = unset()
    map_url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://\S+$")] | None = (
        None
    )
    capabilities: Capabilities = unset()
    status: Status = unset()


class StationIn(StationFields):
    number: int = Field(ge=1, le=999)


class StatusIn(Strict):
    status: Status


class StationOut(BaseModel):
    id: int
    number: int
    name: str | None
    display_name: str
    location: str
    map_url: str | None
    capabilities: dict[str, list[str]]
    status: Status
    make_time_s: float | None
    row_version: int

    @classmethod
    def of(cls, s: Station) -> StationOut:
        assert s.id is not None
        return cls(
            id=s.id,
            number=s.number,
            name=s.name,
            display_name=s.name or f"Station {s.number}",
            location=s.location,
            map_url=s.map_url,
            capabilities={k: list(v) for k, v in (s.capabilities_json or {}).items()},
            status=s.status,
            make_time_s=s.make_time_s,
            row_version=s.row_version,
        )


def _fields(ctx: Ctx, body: StationFields) -> dict[str, object]:
    fields = body.model_dump(exclude_unset=True, exclude={"number", "capabilities"})
    if body.capabilities is not None:
        fields["capabilities"] = station_admin.check_capabilities(
            body.capabilities.model_dump(), ctx.services.menu
        )
    return fields


@api.op(
    "GET", "/stations", "List stations", permission=Permission.READ_BOARD, response=list[StationOut]
)
async def list_stations(ctx: Ctx) -> list[StationOut]:
    def read(session: Session) -> list[StationOut]:
        rows = station_admin.list_stations(session, ctx.services.event_id)
        return [StationOut.of(s) for s in rows]

    return await ctx.read(read)


@api.op(
    "GET",
    "/stations/{station_id}",
    "One station",
    permission=Permission.READ_BOARD,
    response=StationOut,
    errors=(404,),
)
async def get_station(ctx: Ctx) -> StationOut:
    station_id = ctx.id_param("station_id")
    return await ctx.read(
        lambda session: StationOut.of(station_admin.get_station(session, station_id))
    )


@api.op(
    "POST",
    "/stations",
    "Create a station",
    permission=Permission.MANAGE_EVENT,
    body=StationIn,
    response=StationOut,
    status=201,
    errors=(422,),
)
async def create_station(ctx: Ctx) -> StationOut:
    body: StationIn = ctx.body
    fields = _fields(ctx, body)

    def write(tx: Tx) -> StationOut:
        station = station_admin.create_station(
            tx, event_id=ctx.services.event_id, number=body.number, fields=fields
        )
        return StationOut.of(station)

    return await ctx.write(write)


@api.op(
    "PATCH",
    "/stations/{station_id}",
    "Change a station's name, location, capabilities",
    permission=Permission.MANAGE_EVENT,
    body=StationFields,
    response=StationOut,
    errors=(404, 422),
)
async def update_station(ctx: Ctx) -> StationOut:
    station_id = ctx.id_param("station_id")
    fields = _fields(ctx, ctx.body)

    def write(tx: Tx) -> StationOut:
        station = station_admin.get_station(tx.session, station_id)
        return StationOut.of(station_admin.update_station(tx, station, fields))

    return await ctx.write(write)


@api.op(
    "DELETE",
    "/stations/{station_id}",
    "Remove a station",
    permission=Permission.MANAGE_EVENT,
    response=StationOut,
    errors=(404,),
)
async def delete_station(ctx: Ctx) -> StationOut:
    station_id = ctx.id_param("station_id")

    def write(tx: Tx) -> StationOut:
        station = station_admin.get_station(tx.session, station_id)
        return StationOut.of(station_admin.delete_station(tx, station))

    return await ctx.write(write)


@api.op(
    "PUT",
    "/stations/{station_id}/status",
    "Open or pause a station",
    permission=Permission.STATION_PAUSE,
    body=StatusIn,
    response=StationOut,
    errors=(403, 404),
)
async def set_status(ctx: Ctx) -> StationOut:
    station_id = ctx.id_param("station_id")
    status = ctx.body.status
    ctx.require_station(station_id)
    if status == "closed" and not ctx.is_organiser:
        raise Forbidden("only the organiser closes a station; pause it instead")

    def write(tx: Tx) -> StationOut:
        station = station_admin.get_station(tx.session, station_id)
        return StationOut.of(station_admin.update_station(tx, station, {"status": status}))

    return await ctx.write(write)
