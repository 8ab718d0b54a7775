"""A real phone on the LAN: its webhooks over the LAN listener's HTTPS, verified the way the
app does (trusting only our CA, hostname checked), our CA for download, and old data folders."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import ssl
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from expresso_desktop.server import tls
from expresso_desktop.server.android_webhook import AndroidWebhookAuth
from expresso_desktop.server.lan_server import LanListener, build_lan
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.android_config import default_webhook_base
from tests.sms.fake_android import sign

KEY = "phone-signing-key"


def _phone_context(ca_path: Path) -> ssl.SSLContext:
    """What the phone does: trust our CA (installed as a user CA) and nothing else; check names."""
    context = ssl.create_default_context(cafile=str(ca_path))
    assert context.check_hostname
    return context


@pytest.fixture
async def listener(services: OrganiserServices) -> AsyncIterator[LanListener]:
    lan = build_lan(
        services,
        host="127.0.0.1",
        port=0,
        mdns_interfaces=None,
        mdns=False,
        android=AndroidWebhookAuth(KEY),
    )
    await lan.listener.start()
    try:
        yield lan.listener
    finally:
        await lan.listener.stop()


def _signed(body: str, key: str = KEY) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "X-Signature": sign(key, body, stamp),
        "X-Timestamp": stamp,
        "Content-Type": "application/json",
    }


async def test_the_lan_listener_takes_signed_phone_webhooks_over_https(
    listener: LanListener,
) -> None:
    assert listener.identity.ca_path is not None
    url = listener.url + "/android/webhook"
    assert url.startswith("https://127.0.0.1:")
    event = {
        "event": "sms:received",
        "payload": {"messageId": "m1", "sender": "+61400000001", "message": "flat white"},
    }
    body = json.dumps(event)
    context = _phone_context(listener.identity.ca_path)
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers=_signed(body), ssl=context) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["ok"] is True
        # forged: another key; no signature at all; a replay of a used one
        async with http.post(
            url, data=body, headers=_signed(body, "wrong"), ssl=context
        ) as response:
            assert response.status == 403
        async with http.post(url, data=body, ssl=context) as response:
            assert response.status == 403
        headers = _signed(body.replace("m1", "m2"))
        for expected in (200, 403):
            async with http.post(
                url, data=body.replace("m1", "m2"), headers=headers, ssl=context
            ) as response:
                assert response.status == expected
        # the rest of the LAN API still wants a device token
        async with http.get(listener.url + "/api/v1/orders", ssl=context) as response:
            assert response.status == 401


async def test_the_ca_certificate_downloads_for_the_phone(listener: LanListener) -> None:
    assert listener.identity.ca_path is not None
    assert listener.ca_url == listener.url + "/ca.crt"
    async with (
        aiohttp.ClientSession() as http,
        http.get(listener.ca_url, ssl=_phone_context(listener.identity.ca_path)) as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/x-x509-ca-cert"
        der = await response.read()
    ca = x509.load_der_x509_certificate(der)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0


def test_a_new_data_folder_gets_a_ca_and_a_private_leaf_naming_the_lan_address(
    tmp_path: Path,
) -> None:
    identity = tls.ensure_identity(tmp_path, ["192.168.1.20"])
    assert identity.ca_path is not None and identity.replaced is None
    leaf = x509.load_pem_x509_certificate(identity.cert_path.read_bytes())
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} >= {
        "127.0.0.1",
        "192.168.1.20",
    }
    for name in (tls.CERT_NAME, tls.KEY_NAME, tls.CA_CERT_NAME, tls.CA_KEY_NAME):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    # the same address again: the same leaf (stations' pins hold)
    assert tls.ensure_identity(tmp_path, ["192.168.1.20"]).fingerprint == identity.fingerprint
    # another address, with the phone: a new leaf signed by the same CA, and it says so
    moved = tls.ensure_identity(tmp_path, ["10.0.0.5"], need_chain=True)
    assert moved.fingerprint != identity.fingerprint and moved.replaced
    assert moved.ca_der() == identity.ca_der()
    # another address without the phone: stations only, the leaf is kept
    assert tls.ensure_identity(tmp_path, ["10.9.9.9"], need_chain=False).fingerprint == (
        moved.fingerprint
    )


def _old_self_signed(data_dir: Path) -> bytes:
    """What earlier versions made: a self-signed leaf, no CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Expresso organiser old")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (data_dir / tls.KEY_NAME).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (data_dir / tls.CERT_NAME).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()


async def test_an_old_data_folder_keeps_its_certificate_until_the_phone_needs_a_chain(
    services: OrganiserServices,
) -> None:
    data_dir = services.paths.data_dir
    old = _old_self_signed(data_dir)
    lan = build_lan(services, host="127.0.0.1", port=0, mdns_interfaces=None, mdns=False)
    assert lan.listener.identity.fingerprint == old  # paired stations keep working
    assert lan.listener.ca_url is None
    await lan.listener.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(lan.listener.url + "/ca.crt", ssl=aiohttp.Fingerprint(old)) as response,
        ):
            assert response.status == 404
    finally:
        await lan.listener.stop()
    # the phone becomes the gateway: a CA and a new leaf, and the organiser is told
    phone = build_lan(
        services,
        host="127.0.0.1",
        port=0,
        mdns_interfaces=None,
        mdns=False,
        android=AndroidWebhookAuth(KEY),
    )
    assert phone.listener.identity.fingerprint != old
    assert "pair again" in phone.listener.status_line


def test_the_phone_is_sent_to_the_lan_listener_unless_on_loopback() -> None:
    web, lan = "http://127.0.0.1:8787", "https://192.168.1.20:8443"
    assert default_webhook_base("http://192.168.1.30:8080", web, lan) == lan
    assert default_webhook_base("http://127.0.0.1:8080", web, lan) == web
