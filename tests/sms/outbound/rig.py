"""An organiser as ``serve`` runs it, in one process: the demo event's services on a SQLite file,
the LAN API, the SMS webhook (signed as Twilio signs), the outbound half (notifier and sender
into the simulator gateway), and stations as real replicas syncing over HTTP. For tests that
follow a setting or a tap, by whatever path it came, to the text a customer gets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from sqlmodel import col, select
from twilio.request_validator import RequestValidator

from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app, create_webhook_app
from expresso_desktop.server.webhook import WebhookAuth
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.inbound import reply_key
from expresso_desktop.sms.outbound.sender import SenderSettings
from expresso_desktop.sms.outbound.wiring import GatewayChoice, Outbound, build_outbound
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, SmsMessage, Station
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.http_transport import HttpTransport
from expresso_desktop.sync.replica import Replica, put
from tests.server.lan_helpers import Api, token_for
from tests.sms.helpers import notify, put_setting, wait_until

TOKEN = "0123456789abcdef0123456789abcdef"  # a made-up Twilio auth token
PUBLIC = "https://coffee.example.com/hooks"
PHONE = "+61400000001"
_sids = iter(range(1, 1_000_000))


@dataclass
class Rig:
    services: OrganiserServices
    organiser: Api  # the LAN API with an organiser's token
    webhook: TestClient
    outbound: Outbound
    lan_url: str
    tmp_path: Path
    _stations: list[tuple[SyncEngine, HttpTransport]] = field(default_factory=list)

    async def text(self, body: str, phone: str = PHONE) -> str | None:
        """A customer's text through the signed webhook; the reply (None: none). A reply that
        missed the webhook's deadline (a loaded machine) follows as a text: that one."""
        sid = f"SM{next(_sids):032x}"
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": phone,
            "To": "+61400000999",
            "Body": body,
            "NumMedia": "0",
        }
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/sms", params)
        resp = await self.webhook.post(
            "/sms", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert resp.status == 200, await resp.text()
        replies = [m.text or "" for m in ET.fromstring(await resp.text()).iter("Message")]
        if replies:
            return replies[0]
        # None at once: no reply, or one that missed the deadline (it is stored either way).
        stored: tuple[str | None] = await wait_until(
            lambda: self._stored_reply(sid), bus=self.services.bus
        )
        return stored[0]

    def _stored_reply(self, sid: str) -> tuple[str | None] | None:
        """(the reply to text ``sid``,) once the text is stored; None before."""
        with read_session(self.services.engine) as session:
            if session.exec(select(SmsMessage.id).where(SmsMessage.sid == sid)).first() is None:
                return None
            reply = session.exec(
                select(SmsMessage).where(SmsMessage.dedupe_key == reply_key(sid))
            ).first()
        return (reply.body if reply is not None else None,)

    async def settle(self) -> None:
        """Every change committed so far has reached the queue as texts (or none)."""
        await self.outbound.notifier.settle()

    def sent(self, *, to: str | None = None, kind: str | None = None) -> list[SmsMessage]:
        """Texts queued for customers, oldest first."""
        with read_session(self.services.engine) as session:
            query = select(SmsMessage).where(SmsMessage.direction == "out")
            if to is not None:
                query = query.where(SmsMessage.to_number == to)
            if kind is not None:
                query = query.where(SmsMessage.kind == kind)
            return list(session.exec(query.order_by(col(SmsMessage.id))).all())

    def station_id(self, number: int) -> int:
        with read_session(self.services.engine) as session:
            station = session.exec(select(Station).where(Station.number == number)).one()
            assert station.id is not None
            return station.id

    def order(self, order_id: str) -> Order:
        with read_session(self.services.engine) as session:
            order = session.get(Order, order_id)
            assert order is not None
            return order

    def newest_order(self) -> Order:
        with read_session(self.services.engine) as session:
            query = select(Order).order_by(col(Order.created_at).desc(), col(Order.id).desc())
            return session.exec(query).first()  # type: ignore[return-value]

    async def station(self, number: int | None, *, role: str = "barista") -> SyncEngine:
        """A device with its own replica file, paired to station ``number`` (None: none),
        syncing with the LAN API over HTTP; it has downloaded the event when this returns."""
        station_id = self.station_id(number) if number is not None else None
        token = token_for(self.services, role, station_id, name=f"device {len(self._stations)}")
        replica = Replica(self.tmp_path / f"station-{len(self._stations)}.db")
        if station_id is not None:
            with replica.write() as conn:
                put(conn, "station_id", str(station_id))
        transport = HttpTransport(self.lan_url, token.token, None)
        engine = SyncEngine(replica, transport)
        self._stations.append((engine, transport))
        await engine.sync_once()
        return engine

    async def close_stations(self) -> None:
        for engine, transport in self._stations:
            await transport.close()
            engine.replica.close()


@asynccontextmanager
async def running(tmp_path: Path, aiohttp_client: Callable[..., Any]) -> AsyncIterator[Rig]:
    services = build_organiser_services(AppPaths(tmp_path / "organiser").ensure())
    unsubscribe = services.bus.subscribe(notify)  # every commit wakes ``wait_until``
    services.writer.run_sync(
        lambda tx: seed_demo(tx, event_id=services.event_id, menu=services.menu)
    )
    put_setting(services, "sms_rate_per_second", 50)
    lan: TestClient = await aiohttp_client(
        create_lan_app(services, LanInfo("https://127.0.0.1:8443", ":".join(["AB"] * 32)))
    )
    webhook: TestClient = await aiohttp_client(
        create_webhook_app(services, webhook=WebhookAuth("twilio", TOKEN, PUBLIC))
    )
    # A long sweep interval: these tests see the change bus at work.
    outbound = build_outbound(
        services,
        choice=GatewayChoice("simulator"),
        sweep_interval_s=3600,
        sender_settings=SenderSettings(idle_poll_s=5),
    )
    rig = Rig(
        services=services,
        organiser=Api(lan, token_for(services, "organiser").token),
        webhook=webhook,
        outbound=outbound,
        lan_url=str(lan.make_url("")).rstrip("/"),
        tmp_path=tmp_path,
    )
    for component in outbound.components:
        await component.start()
    try:
        yield rig
    finally:
        for component in reversed(outbound.components):
            await component.stop()
        await rig.close_stations()
        await webhook.close()
        await lan.close()
        unsubscribe()
        services.close()
