"""The engine's transport over the organiser's LAN API: HTTPS with the organiser's certificate
pinned by its SHA-256 fingerprint (``aiohttp.Fingerprint``: no CA can vouch for a laptop's
self-signed certificate, so we trust exactly the one we paired with — a second organiser on
the network cannot even complete the handshake), and a device token on every request."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import aiohttp

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.sync_protocol import (
    REFUSED,
    HelloAnswer,
    HelloRequest,
    PinCheckAnswer,
    PinCheckRequest,
    Poke,
    PullAnswer,
    PullRequest,
    PushAnswer,
    PushRequest,
    Snapshot,
    SnapshotRequest,
    pull_answer_from_json,
)
from expresso_desktop.store import sync_rows

from .transport import GoingAway, ReplicaRefused, ServerBusy, TransportError

log = logging.getLogger(__name__)
JSON = dict[str, Any]
T = TypeVar("T")

PREFIX = "/api/v1/sync"
_ANSWERED = {200, 409, 429, 503}  # the sync routes' own answers: the body says what happened
_ENDED = frozenset(
    {
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSING,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }
)  # what ends a WebSocket's stream of messages


class Unauthorized(TransportError):
    """The organiser no longer accepts this station's token (revoked): pair again."""


class PairingRefused(TransportError):
    """The organiser refused the pairing code: ``status`` 403 (wrong, used or expired: it does
    not say which) or 429 (too many wrong codes from this address for now)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class CertificateMismatch(TransportError):
    """The organiser's certificate is not the one expected (the QR code's or the advert's),
    or not the one it reports: another machine may be answering at that address."""


def ssl_for(url: str, fingerprint: bytes | None) -> aiohttp.Fingerprint | bool:
    if not url.startswith("https://"):
        return False  # plain HTTP (tests of the routes only); never what a station uses
    if fingerprint is None:
        raise ValueError("an https organiser needs its certificate fingerprint to pin")
    return aiohttp.Fingerprint(fingerprint)


class HttpTransport:
    def __init__(
        self,
        base_url: str,
        token: str,
        fingerprint: bytes | None,
        *,
        timeout_s: float = 10.0,
        snapshot_timeout_s: float = 120.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._ssl = ssl_for(self.base_url, fingerprint)
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(5.0, timeout_s))
        self._snapshot_timeout = aiohttp.ClientTimeout(total=snapshot_timeout_s, connect=5.0)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Requests set their own total timeout; this bounds connecting (the poke socket).
            default = aiohttp.ClientTimeout(total=None, connect=5.0, sock_connect=5.0)
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=default)
        return self._session

    async def listening(self, timeout_s: float = 1.0) -> bool:
        """Whether the organiser's port accepts a TCP connection now (no TLS, no request):
        the runner's cheap check, while offline, that it is back."""
        parsed = urlparse(self.base_url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(parsed.hostname, port), timeout_s
            )
        except (OSError, TimeoutError):
            return False
        writer.close()
        return True

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self,
        method: str,
        path: str,
        read: Callable[[Any], T],
        *,
        body: JSON | None = None,
        params: JSON | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
        bulk: bool = False,
    ) -> T:
        """``bulk``: an answer of 100,000s of values (a snapshot), decoded without the garbage
        collector (``sync_rows.collector_paused``)."""
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        try:
            async with self._client().request(
                method,
                self.base_url + PREFIX + path,
                json=body,
                params=query or None,
                ssl=self._ssl,
                timeout=timeout or self._timeout,
            ) as resp:
                raw = await resp.read()
                status = resp.status
        except aiohttp.ServerFingerprintMismatch as exc:
            raise TransportError("the server's certificate is not the paired organiser's") from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransportError(f"{path}: {type(exc).__name__}: {exc}") from exc
        try:
            with sync_rows.collector_paused() if bulk else contextlib.nullcontext():
                data: Any = json.loads(raw) if raw else None
        except ValueError as exc:
            if status in (401, 403):
                raise Unauthorized(
                    f"the organiser refused this station ({status}); pair again"
                ) from exc
            raise TransportError(f"{path}: HTTP {status}, not JSON") from exc
        if status == 403 and isinstance(data, dict) and data.get("error") in REFUSED:
            raise ReplicaRefused(str(data.get("message") or data["error"]))
        if status in (401, 403):
            raise Unauthorized(f"the organiser refused this station ({status}); pair it again")
        if status not in _ANSWERED or not isinstance(data, dict):
            raise TransportError(f"{path}: HTTP {status}: {str(data)[:200]}")
        try:
            with sync_rows.collector_paused() if bulk else contextlib.nullcontext():
                return read(data)
        except ValidationError as exc:  # a 503 of the error middleware, or a newer organiser
            raise ServerBusy(f"{path}: HTTP {status}: unexpected answer ({exc.reason})") from exc

    async def hello(self, req: HelloRequest) -> HelloAnswer:
        return await self._request("POST", "/hello", HelloAnswer.from_json, body=req.to_json())

    async def push(self, req: PushRequest) -> PushAnswer:
        return await self._request("POST", "/push", PushAnswer.from_json, body=req.to_json())

    async def pull(self, req: PullRequest) -> PullAnswer:
        return await self._request("GET", "/pull", pull_answer_from_json, params=req.to_json())

    async def snapshot(self, req: SnapshotRequest) -> Snapshot:
        return await self._request(
            "GET",
            "/snapshot",
            Snapshot.from_json,
            params=req.to_json(),
            timeout=self._snapshot_timeout,
            bulk=True,
        )

    async def check_pin(self, req: PinCheckRequest) -> PinCheckAnswer:
        return await self._request("POST", "/pin", PinCheckAnswer.from_json, body=req.to_json())

    async def pokes(self) -> AsyncIterator[int]:
        """Heads from ``/sync/ws`` until the socket closes (then raises ``TransportError``;
        ``GoingAway`` when the organiser closed it because it is stopping)."""
        try:
            async with self._client().ws_connect(
                self.base_url + PREFIX + "/ws", ssl=self._ssl, heartbeat=20.0
            ) as ws:
                while (msg := await ws.receive()).type not in _ENDED:
                    if msg.type is not aiohttp.WSMsgType.TEXT:
                        continue
                    try:
                        poke = Poke.from_json(json.loads(msg.data))
                    except ValidationError:
                        continue  # a pong, or a message of a newer organiser
                    yield poke.head
                # The organiser's close frame says why (``ws.close_code`` may instead say that
                # our answer to it could not be written: it had hung up already).
                code = msg.data if msg.type is aiohttp.WSMsgType.CLOSE else ws.close_code
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise TransportError(f"pokes: {type(exc).__name__}: {exc}") from exc
        if code == aiohttp.WSCloseCode.GOING_AWAY:
            raise GoingAway("the organiser is stopping; reconnecting when it is back")
        raise TransportError(f"pokes: the organiser closed the socket ({code})")


async def peer_fingerprint(base_url: str) -> bytes:
    """SHA-256 of the certificate ``base_url`` presents (trust on first use, when pairing
    without a QR code; the pairing answer must then report the same fingerprint)."""
    import hashlib
    import ssl as ssl_module

    parsed = urlparse(base_url)
    context = ssl_module.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl_module.CERT_NONE
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parsed.hostname, parsed.port or 443, ssl=context), 10
        )
    except (OSError, TimeoutError) as exc:
        raise TransportError(f"cannot reach {base_url}: {exc}") from exc
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    return hashlib.sha256(der).digest()


async def pair(
    base_url: str, code: str, name: str, fingerprint: bytes | None
) -> tuple[JSON, bytes]:
    """Exchange a pairing code for a device token. Returns the answer and the fingerprint to
    pin: the one given (from the QR code), or the one the organiser presented just now —
    which its answer must confirm."""
    url = base_url.rstrip("/") + "/api/v1/pair"
    https = base_url.startswith("https://")
    if https and fingerprint is None:
        fingerprint = await peer_fingerprint(base_url)
    ssl: Any = aiohttp.Fingerprint(fingerprint) if https and fingerprint else False
    try:
        timeout = aiohttp.ClientTimeout(total=15)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json={"code": code, "name": name}, ssl=ssl, timeout=timeout) as resp,
        ):
            data = await resp.json(content_type=None)
            status = resp.status
    except aiohttp.ServerFingerprintMismatch as exc:
        raise CertificateMismatch("the organiser's certificate is not the one expected") from exc
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        raise TransportError(f"pairing with {base_url} failed: {exc}") from exc
    if status != 201 or not isinstance(data, dict) or "token" not in data:
        message = data.get("message") if isinstance(data, dict) else data
        raise PairingRefused(f"pairing refused ({status}): {message}", status)
    reported = bytes.fromhex(str(data.get("fingerprint", "")).replace(":", ""))
    if https and fingerprint != reported:
        raise CertificateMismatch("the organiser's certificate does not match what it reports")
    return data, fingerprint or b""
