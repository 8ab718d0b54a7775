"""The built-in phone: texts a running organiser exactly the way Twilio would.

With no Twilio account, the webhook checks signatures made with the simulator's secret instead of
an auth token, so a simulated text is a real signed ``POST /sms`` through the same handler,
conversation and order path. The secret is a random value in the data folder (``simulator.secret``,
mode 0600): it guards the local simulator only and is never accepted once Twilio is configured.
A running organiser writes ``webhook.json`` there (its local URL and the public URL signatures
are made for) so that ``expresso sms-sim`` in another terminal can find it.

Replies come back in the TwiML; later texts (ready, reminders) are outbound rows that the
simulator gateway marks delivered, and ``inbox`` reads them from the SMS log.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import Engine
from sqlmodel import col, or_, select
from twilio.request_validator import RequestValidator

from expresso_desktop.errors import KnownError
from expresso_desktop.settings import private_dir, write_private
from expresso_desktop.sms.simulator_gateway import SIMULATOR_NUMBER
from expresso_desktop.store.tables import SmsMessage

SECRET_FILE = "simulator.secret"
RUNTIME_FILE = "webhook.json"
SIGNATURE_HEADER = "X-Twilio-Signature"
# Looks like Twilio's ids without being one (a real "AC" + 32 hex would be redacted from logs).
SIMULATOR_ACCOUNT = "ACsimulator"


def simulator_secret(data_dir: Path, *, create: bool = True) -> str | None:
    """The simulator's signing secret, made on first use (readable by this user only)."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        if not create:
            return None
        private_dir(data_dir)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise KnownError(f"the simulator secret {path} is empty", hint="Delete it; it is remade.")
    return secret


@dataclass(frozen=True)
class Runtime:
    """Where a running organiser's webhook listens, and which URL signatures are made for."""

    url: str
    public_url: str
    mode: str
    pid: int


def write_runtime(data_dir: Path, runtime: Runtime) -> None:
    write_private(data_dir / RUNTIME_FILE, json.dumps(runtime.__dict__).encode())


def read_runtime(data_dir: Path) -> Runtime | None:
    try:
        data = json.loads((data_dir / RUNTIME_FILE).read_text(encoding="utf-8"))
        return Runtime(
            str(data["url"]), str(data["public_url"]), str(data["mode"]), int(data["pid"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_runtime(data_dir: Path) -> None:
    runtime = read_runtime(data_dir)
    if runtime is None or runtime.pid == os.getpid():
        (data_dir / RUNTIME_FILE).unlink(missing_ok=True)


def twilio_form(from_number: str, body: str, *, to: str = SIMULATOR_NUMBER) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (the ones we read, and a few we don't)."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": SIMULATOR_ACCOUNT,
        "MessagingServiceSid": "",
        "From": from_number,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }


def sign(secret: str, url: str, params: Mapping[str, str]) -> str:
    return str(RequestValidator(secret).compute_signature(url, params))


def replies_in(twiml: str) -> list[str]:
    root = ET.fromstring(twiml)
    return [m.text or "" for m in root.iter("Message")]


@dataclass(frozen=True)
class Target:
    """A webhook to text: where to post, which URL to sign, and the secret to sign with."""

    url: str
    public_url: str
    secret: str = field(repr=False)

    @classmethod
    def for_data_dir(cls, data_dir: Path, url: str | None = None) -> Target:
        runtime = read_runtime(data_dir)
        if url is None and runtime is None:
            raise KnownError(
                f"no organiser is running with the data folder {data_dir}",
                hint="Start one (`expresso serve`), or pass --url and the same --data-dir.",
            )
        if runtime is not None and runtime.mode != "simulator" and url is None:
            raise KnownError(
                "the running organiser uses Twilio, not the simulator",
                hint="Text its Twilio number from a phone instead.",
            )
        secret = simulator_secret(data_dir, create=False)
        if secret is None:
            raise KnownError(f"no simulator secret in {data_dir}", hint="Start the organiser.")
        local = (url or (runtime.url if runtime else "")).rstrip("/")
        public = runtime.public_url if runtime is not None and url is None else local
        return cls(local, public.rstrip("/"), secret)


async def send_text(
    session: aiohttp.ClientSession,
    target: Target,
    from_number: str,
    body: str,
    *,
    form: Mapping[str, str] | None = None,
) -> list[str]:
    """Text ``body`` from ``from_number``; returns the replies (none is a valid answer)."""
    params = dict(form or twilio_form(from_number, body))
    headers = {SIGNATURE_HEADER: sign(target.secret, target.public_url + "/sms", params)}
    async with session.post(target.url + "/sms", data=params, headers=headers) as resp:
        text = await resp.text()
        if resp.status == 403:
            raise KnownError(
                "the organiser refused the simulator's signature",
                hint="Is it running with this data folder, and without a Twilio account?",
            )
        if resp.status != 200:
            raise KnownError(f"the organiser answered {resp.status}: {text[:200]}")
    return replies_in(text)


async def send_texts(target: Target, from_number: str, texts: Sequence[str]) -> list[list[str]]:
    """Text each of ``texts`` in turn (what ``sms-sim`` does); the replies to each."""
    timeout = aiohttp.ClientTimeout(total=30)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            return [await send_text(session, target, from_number, text) for text in texts]
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise KnownError(
            f"cannot reach the organiser at {target.url} ({type(exc).__name__})",
            hint="Is `expresso serve` (or the organiser window) running?",
        ) from None


def inbox(engine: Engine, phone: str, *, limit: int = 20) -> Sequence[SmsMessage]:
    """The last texts to and from ``phone``, oldest first (the simulated phone's screen)."""
    from expresso_desktop.store.engine import read_session  # not needed just to send a text

    with read_session(engine) as session:
        rows = session.exec(
            select(SmsMessage)
            .where(or_(SmsMessage.to_number == phone, SmsMessage.from_number == phone))
            .order_by(col(SmsMessage.id).desc())
            .limit(limit)
        ).all()
    return list(reversed(rows))


def inbox_line(row: SmsMessage) -> str:
    arrow = "<-" if row.direction == "out" else "->"
    when = row.created_at.astimezone().strftime("%H:%M:%S")
    return f"{when} {arrow} [{row.kind}, {row.status}] {row.body}"
