"""/api/v1/pair and /api/v1/devices: pairing a station, tokens for scripts, revocation."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, Field, StringConstraints

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Id, Name, NotFound, Strict
from expresso_desktop.services import devices
from expresso_desktop.services.changes import Alert
from expresso_desktop.services.order_actions import live_station
from expresso_desktop.services.pairing import pairing_payload, qr_png, qr_svg
from expresso_desktop.services.writer import Tx

log = logging.getLogger(__name__)

api = Api("devices")
PAIRING_ATTACK = "pairing_attack"
Role = Literal["organiser", "barista", "runner", "display"]
DeviceName = Annotated[Name, StringConstraints(min_length=1, max_length=80)]


@dataclass
class LanInfo:
    """How stations reach this server: its URL and the certificate fingerprint they pin."""

    url: str
    fingerprint_hex: str


LAN_INFO = web.AppKey("lan_info", LanInfo)
GUARD = web.AppKey("pairing_guard", devices.PairingGuard)


class PairIn(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    name: DeviceName


class DeviceOut(BaseModel):
    id: int
    name: str
    role: Role
    station_id: int | None
    station_number: int | None
    created_at: datetime
    last_seen: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, info: devices.DeviceInfo) -> DeviceOut:
        return cls.model_validate(info, from_attributes=True)


class TokenOut(BaseModel):
    device: DeviceOut
    token: str = Field(description="shown once: send it as 'Authorization: Bearer <token>'")
    fingerprint: str = Field(description="SHA-256 of the server certificate, to pin")


class DeviceIn(Strict):
    name: DeviceName
    role: Role
    station_id: Id | None = None


class PairingCodeIn(Strict):
    role: Role
    station_id: Id | None = None


class PairingCodeOut(BaseModel):
    code: str
    role: Role
    station_id: int | None
    expires_at: datetime
    url: str
    fingerprint: str
    payload: str = Field(description="what the QR code says")
    qr_svg: str
    qr_png_base64: str


def _token_out(ctx: Ctx, issued: devices.IssuedToken, tx: Tx) -> TokenOut:
    info = next(d for d in devices.list_devices(session=tx.session) if d.id == issued.device_id)
    return TokenOut(
        device=DeviceOut.of(info),
        token=issued.token,
        fingerprint=ctx.request.app[LAN_INFO].fingerprint_hex,
    )


@api.op(
    "POST",
    "/pair",
    "Exchange a one-time pairing code for a device token",
    permission=None,
    public=True,
    body=PairIn,
    response=TokenOut,
    status=201,
    errors=(403, 429),
)
async def pair(ctx: Ctx) -> TokenOut:
    guard = ctx.request.app[GUARD]
    address = ctx.request.remote or "?"
    admission = guard.admit(address)  # checked and counted in one step
    if admission.wait_s > 0:
        if admission.lockout_began:
            minutes = max(1, round(admission.wait_s / 60))
            await _alarm(
                ctx,
                f"Someone at {address} keeps entering wrong pairing codes; pairing from there "
                f"is blocked for {minutes} min (other devices can still pair).",
            )
        raise web.HTTPTooManyRequests(
            headers={"Retry-After": str(int(admission.wait_s) + 1)},
            text=json.dumps({"error": "rate_limited", "message": "too many wrong codes; wait"}),
            content_type="application/json",
        )
    body: PairIn = ctx.body

    def write(tx: Tx) -> TokenOut | None:
        issued = devices.redeem_pairing_code(body.code, session=tx.session, name=body.name)
        if issued is None:
            burnt = devices.codes_burnt_by_this_guess(session=tx.session)
            if burnt:
                message = (
                    f"{burnt} pairing code(s) stopped working after "
                    f"{devices.MAX_GUESSES_PER_CODE} wrong guesses; make a new code to pair."
                )
                log.warning("%s", message)
                tx.changes.alerts.append(Alert(PAIRING_ATTACK, message))
            return None
        return _token_out(ctx, issued, tx)

    paired = await ctx.write(write)  # committed either way: a wrong guess is recorded
    if paired is None:
        raise devices.PairingRefused("invalid or expired pairing code")
    guard.succeeded(address)
    return paired


async def _alarm(ctx: Ctx, message: str) -> None:
    """Tell the organiser (the alerts line, through the change bus) and the log."""
    log.warning("%s", message)

    def raise_alert(tx: Tx) -> None:
        tx.changes.alerts.append(Alert(PAIRING_ATTACK, message))

    await ctx.write(raise_alert)


@api.op(
    "GET", "/devices/me", "The calling device", permission=Permission.READ_BOARD, response=DeviceOut
)
async def me(ctx: Ctx) -> DeviceOut:
    return DeviceOut.of(ctx.device)


@api.op(
    "GET",
    "/devices",
    "Paired devices",
    permission=Permission.MANAGE_EVENT,
    response=list[DeviceOut],
)
async def list_devices(ctx: Ctx) -> list[DeviceOut]:
    rows = await ctx.read(lambda session: devices.list_devices(session=session))
    return [DeviceOut.of(d) for d in rows]


@api.op(
    "POST",
    "/devices",
    "Add a device and get its token (for scripts)",
    permission=Permission.MANAGE_EVENT,
    body=DeviceIn,
    response=TokenOut,
    status=201,
    errors=(422,),
)
async def add_device(ctx: Ctx) -> TokenOut:
    body: DeviceIn = ctx.body

    def write(tx: Tx) -> TokenOut:
        if body.station_id is not None:
            live_station(tx.session, body.station_id)
        issued = devices.add_device(
            session=tx.session, name=body.name, role=body.role, station_id=body.station_id
        )
        return _token_out(ctx, issued, tx)

    return await ctx.write(write)


@api.op(
    "POST",
    "/devices/{device_id}/revoke",
    "Revoke a device: its token stops working at once",
    permission=Permission.MANAGE_EVENT,
    response=DeviceOut,
    errors=(404,),
)
async def revoke(ctx: Ctx) -> DeviceOut:
    device_id = ctx.id_param("device_id")
    info = await ctx.write(lambda tx: devices.revoke_device(device_id, session=tx.session))
    if info is None:
        raise NotFound(f"no device {device_id}")
    from expresso_desktop.server.live import HUB  # the hub closes that device's sockets now

    await ctx.request.app[HUB].close_device(device_id)
    return DeviceOut.of(info)


@api.op(
    "POST",
    "/devices/pairing-codes",
    "Make a one-time pairing code (and its QR image)",
    permission=Permission.MANAGE_EVENT,
    body=PairingCodeIn,
    response=PairingCodeOut,
    status=201,
    errors=(422,),
)
async def new_pairing_code(ctx: Ctx) -> PairingCodeOut:
    body: PairingCodeIn = ctx.body

    def write(tx: Tx) -> devices.IssuedCode:
        if body.station_id is not None:
            live_station(tx.session, body.station_id)
        return devices.create_pairing_code(
            session=tx.session, role=body.role, station_id=body.station_id
        )

    issued = await ctx.write(write)
    lan = ctx.request.app[LAN_INFO]
    payload = pairing_payload(issued.code, lan.url, lan.fingerprint_hex)
    return PairingCodeOut(
        code=issued.code,
        role=body.role,
        station_id=issued.station_id,
        expires_at=issued.expires_at,
        url=lan.url,
        fingerprint=lan.fingerprint_hex,
        payload=payload,
        qr_svg=qr_svg(payload),
        qr_png_base64=base64.b64encode(qr_png(payload)).decode(),
    )
