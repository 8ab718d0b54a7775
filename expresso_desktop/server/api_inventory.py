"""/api/v1/inventory: per-station stock, consume, restock, counts, thresholds, mark out/in.

Thin adapters over ``services.stock`` (the rulebook the sync handlers use too); item set-up
(track, thresholds) is ``services.station_admin``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Id, Name, Strict, unset
from expresso_desktop.services import station_admin, stock
from expresso_desktop.services.orders import OrderNotFound
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import StockItem

api = Api("inventory")
Amount = Annotated[float, Field(gt=0, le=1_000_000)]
Level = Annotated[float, Field(ge=0, le=1_000_000)]
Unit = Annotated[Name, StringConstraints(min_length=1, max_length=12)]


class StockQuery(Strict):
    station_id: Id | None = None


class StockItemIn(Strict):
    station_id: Id
    name: Annotated[Name, StringConstraints(min_length=1, max_length=60, to_lower=True)]
    unit: Unit
    level: Level = 0
    low_threshold: Level = 0
    par: Level = 0


class StockItemPatch(Strict):
    unit: Unit = unset()
    low_threshold: Level = unset()
    par: Level = unset()


class QtyIn(Strict):
    qty: Amount
    order_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class CountIn(Strict):
    level: Level


class ConsumeOrderIn(Strict):
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class StockOut(BaseModel):
    id: int
    station_id: int
    name: str
    unit: str
    level: float
    low_threshold: float
    par: float
    generation: int
    out_of_stock: bool
    low: bool
    row_version: int

    @classmethod
    def of(cls, i: StockItem) -> StockOut:
        assert i.id is not None
        return cls(
            id=i.id,
            station_id=i.station_id,
            name=i.name,
            unit=i.unit,
            level=i.level,
            low_threshold=i.low_threshold,
            par=i.par,
            generation=i.generation,
            out_of_stock=i.out_of_stock,
            low=i.out_of_stock or i.level <= i.low_threshold,
            row_version=i.row_version,
        )


def _client(ctx: Ctx) -> str:
    return f"device:{ctx.device.id}"


@api.op(
    "GET",
    "/inventory",
    "Stock levels (a barista sees its own station's)",
    permission=Permission.STOCK_USE,
    query=StockQuery,
    response=list[StockOut],
)
async def list_stock(ctx: Ctx) -> list[StockOut]:
    station_id = ctx.query.station_id
    if not ctx.is_organiser:
        station_id = ctx.device.station_id

    def read(session: Session) -> list[StockOut]:
        rows = station_admin.list_items(session, ctx.services.event_id, station_id)
        return [StockOut.of(i) for i in rows]

    return await ctx.read(read)


@api.op(
    "POST",
    "/inventory",
    "Track a stock item at a station",
    permission=Permission.MANAGE_EVENT,
    body=StockItemIn,
    response=StockOut,
    status=201,
    errors=(404, 422),
)
async def create_item(ctx: Ctx) -> StockOut:
    fields = ctx.body.model_dump(exclude={"station_id"})
    station_id = ctx.body.station_id
    return await ctx.write(
        lambda tx: StockOut.of(station_admin.create_item(tx, station_id=station_id, fields=fields))
    )


@api.op(
    "PATCH",
    "/inventory/{item_id}",
    "Change an item's unit, low threshold or par level",
    permission=Permission.MANAGE_EVENT,
    body=StockItemPatch,
    response=StockOut,
    errors=(404, 422),
)
async def update_item(ctx: Ctx) -> StockOut:
    item_id = ctx.id_param("item_id")
    fields = ctx.body.model_dump(exclude_unset=True)

    def write(tx: Tx) -> StockOut:
        item = stock.get_item(tx.session, item_id)
        return StockOut.of(station_admin.update_item(tx, item, fields))

    return await ctx.write(write)


def _own_item(ctx: Ctx, tx: Tx) -> StockItem:
    item = stock.get_item(tx.session, ctx.id_param("item_id"))
    ctx.require_station(item.station_id)
    return item


@api.op(
    "POST",
    "/inventory/{item_id}/consume",
    "Use some stock",
    permission=Permission.STOCK_USE,
    body=QtyIn,
    response=StockOut,
    errors=(403, 404, 422),
)
async def consume(ctx: Ctx) -> StockOut:
    body: QtyIn = ctx.body

    def write(tx: Tx) -> StockOut:
        item = _own_item(ctx, tx)
        stock.check_order(tx.session, body.order_id)
        used = stock.record(
            tx, item, -body.qty, reason="consume", client_id=_client(ctx), order_id=body.order_id
        )
        return StockOut.of(used)

    return await ctx.write(write)


@api.op(
    "POST",
    "/inventory/{item_id}/restock",
    "Add stock",
    permission=Permission.STOCK_USE,
    body=QtyIn,
    response=StockOut,
    errors=(403, 404),
)
async def restock(ctx: Ctx) -> StockOut:
    qty = ctx.body.qty

    def write(tx: Tx) -> StockOut:
        item = _own_item(ctx, tx)
        return StockOut.of(stock.restock(tx, item, qty, client_id=_client(ctx)))

    return await ctx.write(write)


@api.op(
    "POST",
    "/inventory/{item_id}/count",
    "Record a physical count (starts a new generation; more than 0 ends a marked out)",
    permission=Permission.STOCK_COUNT,
    body=CountIn,
    response=StockOut,
    errors=(404,),
)
async def count(ctx: Ctx) -> StockOut:
    level = ctx.body.level

    def write(tx: Tx) -> StockOut:
        item = stock.get_item(tx.session, ctx.id_param("item_id"))
        return StockOut.of(stock.count(tx, item, level))

    return await ctx.write(write)


def _mark(out: bool) -> None:
    word = "out" if out else "in"

    @api.op(
        "POST",
        f"/inventory/{{item_id}}/{word}",
        "Mark an item out (routing and the SMS menu skip it here)"
        if out
        else "Mark an item back in stock",
        permission=Permission.STOCK_USE,
        response=StockOut,
        errors=(403, 404),
    )
    async def mark(ctx: Ctx) -> StockOut:
        return await ctx.write(lambda tx: StockOut.of(stock.mark_out(tx, _own_item(ctx, tx), out)))


_mark(True)
_mark(False)


@api.op(
    "POST",
    "/inventory/consume-order",
    "Take an order's recipe out of its station's stock now (Done does it by itself)",
    permission=Permission.STOCK_USE,
    body=ConsumeOrderIn,
    response=list[StockOut],
    errors=(403, 404, 409),
)
async def consume_order(ctx: Ctx) -> list[StockOut]:
    order_id = ctx.body.order_id

    def write(tx: Tx) -> list[StockOut]:
        order = orders_repo.get(order_id, session=tx.session)
        if order is None:
            raise OrderNotFound(f"no order {order_id}")
        ctx.require_station(order.station_id)
        return [StockOut.of(i) for i in stock.take_recipe(tx, order)]

    return await ctx.write(write)
