"""/api/v1/ws: the live event feed (see ``server/live.py``)."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Strict, Version
from expresso_desktop.server.live import serve_socket

api = Api("live")


class WsQuery(Strict):
    since: Version | None = Field(default=None, description="replay changes after version")


@api.op(
    "GET",
    "/ws",
    "Live events (WebSocket upgrade)",
    permission=Permission.READ_BOARD,
    query=WsQuery,
    raw="websocket",
)
async def live(ctx: Ctx) -> web.StreamResponse:
    return await serve_socket(ctx.request, ctx.device)
