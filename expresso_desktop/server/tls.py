"""The organiser's own TLS identity: a self-signed certificate made on first run.

Stations cannot check a self-signed certificate against a CA, so they *pin* it: the SHA-256
fingerprint of the certificate (DER) travels in the pairing QR/code and in the mDNS TXT record,
and the station's client refuses any other certificate (``aiohttp.Fingerprint``). The key never
leaves the data folder and is readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from expresso_desktop.errors import KnownError
from expresso_desktop.settings import private_dir, write_private

log = logging.getLogger(__name__)

CERT_NAME = "lan-cert.pem"
KEY_NAME = "lan-key.pem"
VALID_DAYS = 825  # what browsers still accept for a leaf; far longer than any event


@dataclass(frozen=True, slots=True)
class TlsIdentity:
    cert_path: Path
    key_path: Path
    fingerprint: bytes  # SHA-256 of the DER certificate (what aiohttp.Fingerprint pins)

    @property
    def fingerprint_hex(self) -> str:
        """``AB:CD:...``: how people compare fingerprints by eye."""
        return ":".join(f"{b:02X}" for b in self.fingerprint)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def parse_fingerprint(text: str) -> bytes:
    """``AB:CD:..`` or plain hex → 32 bytes; ValueError otherwise."""
    raw = bytes.fromhex(text.replace(":", "").strip())
    if len(raw) != 32:
        raise ValueError("a SHA-256 fingerprint has 32 bytes")
    return raw


def ensure_identity(data_dir: Path) -> TlsIdentity:
    """Load the certificate and key from ``data_dir``, creating them on first run."""
    cert_path, key_path = data_dir / CERT_NAME, data_dir / KEY_NAME
    if not (cert_path.exists() and key_path.exists()):
        _generate(cert_path, key_path)
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise KnownError(
            f"cannot read the LAN certificate {cert_path}: {exc}",
            hint="Delete lan-cert.pem and lan-key.pem to make a new one (stations re-pair).",
        ) from exc
    der = cert.public_bytes(serialization.Encoding.DER)
    return TlsIdentity(cert_path, key_path, hashlib.sha256(der).digest())


def _generate(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "expresso"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Expresso organiser {host}"[:64])])
    now = dt.datetime.now(dt.UTC)
    alt_names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    if host.isascii():
        alt_names.append(x509.DNSName(host))
        alt_names.append(x509.DNSName(f"{host}.local"))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the server starts unattended; the file mode guards it
    )
    private_dir(cert_path.parent)
    # Created 0600 from the start: never a moment where another user could read the key.
    write_private(key_path, key_pem)
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    log.info("created the LAN certificate %s", cert_path.name)
