"""The phone as a gateway the organiser watches: webhooks registered on start, then asked how it
is every ``probe_interval_s``.

When it stops answering, the Setup tab says so and an ``sms_gateway_down`` alert reaches the
status bar. Texts meanwhile stay in the outbound queue (the sender retries "cannot reach the
phone" as a transient error); any the sender gave up on for that reason alone, and that have not
gone stale, are queued again the moment the phone answers, and the webhooks are set again (the
app may have been reinstalled or restarted with another key).

The phone's state is kept in a ``Setting`` row (``android_phone``) so any screen, in this process
or another on the same database, reads it like the rest of the SMS side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import col, or_, select

from expresso_desktop.services.changes import Alert
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.android_gateway import (
    UNREACHABLE,
    AndroidGateway,
    PhoneHealth,
    PhoneWebhookError,
)
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.clock import Clock
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import SmsMessage

log = logging.getLogger(__name__)

SETTING_PHONE = "android_phone"
ALERT_KIND = "sms_gateway_down"
INITIATOR = "sms-android"


class AndroidPhone:
    """Component: registers the phone's webhooks on start (``status_line`` says whether it
    could) and watches the phone until stopped."""

    name = "android-phone"

    def __init__(
        self,
        gateway: AndroidGateway,
        writer: Writer,
        webhook_base: Callable[[], str | None],
        *,
        probe_interval_s: float = 15.0,
        clock: Clock | None = None,
    ) -> None:
        self.gateway = gateway
        self.writer = writer
        self._webhook_base = webhook_base
        self.probe_interval_s = probe_interval_s
        self._clock = clock or Clock()
        self.status_line: str | None = None
        self.webhooks_ok: bool | None = None
        self.health: PhoneHealth | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.gateway.start()  # idempotent; the sender starts it too
        await self._register()
        await self.probe()
        self._stop.clear()
        self._task = asyncio.create_task(self._watch(), name="android-phone")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _register(self) -> None:
        base = self._webhook_base()
        if not base:
            self.webhooks_ok = False
            self.status_line = (
                "Phone webhooks NOT set: no URL the phone can reach us at "
                "(`expresso gateway android set --webhook-url`)"
            )
            log.warning("%s", self.status_line)
            return
        try:
            url = await self.gateway.register_webhooks(base)
        except PhoneWebhookError as exc:
            self.webhooks_ok = False
            self.status_line = f"Phone webhooks NOT set: {exc}"
            log.warning("%s", self.status_line)
            return
        self.webhooks_ok = True
        self.status_line = f"Phone webhooks set: {url} ({self.gateway.config.url})"
        log.info("%s", self.status_line)

    async def _watch(self) -> None:
        while not self._stop.is_set():
            if await self._clock.wait(self._stop, self.probe_interval_s):
                return
            try:
                await self.probe()
            except Exception:  # the database is busy: say so, keep watching
                log.exception("could not record the phone's state")

    async def probe(self) -> PhoneHealth:
        """Ask the phone now; record a change of state (and act on it)."""
        health = await self.gateway.health()
        before = self.health
        self.health = health
        if before is not None and before.reachable == health.reachable:
            return health
        now = self._clock.now()
        revived = await self.writer.run(
            partial(record_health, health=health, now=now),
            initiator=INITIATOR,
        )
        if health.reachable:
            log.info("the phone answers (%s)", health.detail)
            if revived:
                log.info("%s text(s) that waited for the phone are queued again", revived)
            if before is not None and not self.webhooks_ok:
                await self._register()
        else:
            log.warning("the phone does not answer: %s", health.detail)
        return health


def record_health(tx: Tx, *, health: PhoneHealth, now: datetime) -> int:
    """Store the phone's state; raise the alert when it stopped answering; when it answers,
    put back the texts that only waited for it. Returns how many were put back."""
    state: dict[str, Any] = {
        "reachable": health.reachable,
        "detail": health.detail,
        "since": now.isoformat(),
    }
    settings_repo.put(SETTING_PHONE, state, session=tx.session)
    tx.changes.touched.add(SmsMessage.__tablename__)  # the SMS screens re-read
    if not health.reachable:
        tx.changes.alerts.append(
            Alert(ALERT_KIND, f"The SMS phone does not answer ({health.detail})")
        )
        return 0
    return requeue_waiting(tx, now=now)


def requeue_waiting(tx: Tx, *, now: datetime) -> int:
    rows = tx.session.exec(
        select(SmsMessage).where(
            SmsMessage.direction == "out",
            SmsMessage.error_code == UNREACHABLE,
            col(SmsMessage.status).in_([outbound.PENDING, outbound.FAILED]),
            col(SmsMessage.sid).is_(None),
            or_(col(SmsMessage.expires_at).is_(None), col(SmsMessage.expires_at) > now),
        )
    ).all()
    for row in rows:
        if row.status == outbound.FAILED:
            row.attempts = 0
        row.status = outbound.PENDING
        row.next_attempt_at = now
        row.updated_at = now
        tx.session.add(row)
    tx.session.flush()
    return len(rows)


def phone_state(session: Any) -> dict[str, Any] | None:
    value = settings_repo.get(SETTING_PHONE, None, session=session)
    return value if isinstance(value, dict) else None
