"""The organiser's own TLS identity: a small local CA and the LAN certificate it signs.

Two clients trust it in two ways:

- **Stations pin the leaf.** The SHA-256 fingerprint of the LAN certificate (DER) travels in the
  pairing QR/code and in the mDNS TXT record, and the station's client refuses any other
  certificate (``aiohttp.Fingerprint``). So the leaf is *kept* as long as it will do: a changed
  leaf is a changed fingerprint, and every paired station must pair again (it refuses the new
  one loudly, it never silently trusts it).
- **The Android phone verifies a chain.** The SMS gateway app calls only ``https://`` webhooks
  and trusts user-installed *CA* certificates, never a self-signed leaf. So the data folder
  holds a local CA (``lan-ca.pem``/``lan-ca-key.pem``, made once, ``BasicConstraints(ca=True,
  path_length=0)``) whose certificate the organiser installs on the phone (``GET /ca.crt``), and
  the leaf it signs names the LAN address(es) the phone uses in its SANs.

Migration: a data folder from before the CA keeps its self-signed leaf (paired stations keep
working) until the phone needs a chain (``need_chain``); then, and when the LAN address is not in
the leaf's SANs, a new CA-signed leaf is made and ``TlsIdentity.replaced`` says why (stations
must pair again). Keys never leave the data folder; every file is 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from expresso_desktop.errors import KnownError
from expresso_desktop.settings import private_dir, write_private

log = logging.getLogger(__name__)

CERT_NAME = "lan-cert.pem"
KEY_NAME = "lan-key.pem"
CA_CERT_NAME = "lan-ca.pem"
CA_KEY_NAME = "lan-ca-key.pem"
VALID_DAYS = 825  # what browsers still accept for a leaf; far longer than any event
CA_VALID_DAYS = 3650


@dataclass(frozen=True, slots=True)
class TlsIdentity:
    cert_path: Path
    key_path: Path
    fingerprint: bytes  # SHA-256 of the DER certificate (what aiohttp.Fingerprint pins)
    ca_path: Path | None = None  # the local CA that signed the leaf (None: an old self-signed one)
    replaced: str | None = None  # why the leaf was just made anew (stations must pair again)

    @property
    def fingerprint_hex(self) -> str:
        """``AB:CD:...``: how people compare fingerprints by eye."""
        return ":".join(f"{b:02X}" for b in self.fingerprint)

    def ca_der(self) -> bytes | None:
        """The CA certificate as DER (what ``/ca.crt`` hands to the phone)."""
        if self.ca_path is None:
            return None
        cert = x509.load_pem_x509_certificate(self.ca_path.read_bytes())
        return cert.public_bytes(serialization.Encoding.DER)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # cert_path holds the leaf followed by the CA: a client that trusts the CA gets the chain.
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def parse_fingerprint(text: str) -> bytes:
    """``AB:CD:..`` or plain hex → 32 bytes; ValueError otherwise."""
    raw = bytes.fromhex(text.replace(":", "").strip())
    if len(raw) != 32:
        raise ValueError("a SHA-256 fingerprint has 32 bytes")
    return raw


def ensure_identity(
    data_dir: Path, addresses: Iterable[str] = (), *, need_chain: bool = True
) -> TlsIdentity:
    """Load the LAN certificate from ``data_dir``, creating the CA and a leaf on first run.

    ``addresses``: the IP addresses or names stations and the phone use (the reachable LAN
    address). An existing leaf is kept unless ``need_chain`` and it is not signed by our CA or
    lacks one of ``addresses``: then a new leaf is made (a new fingerprint)."""
    cert_path, key_path = data_dir / CERT_NAME, data_dir / KEY_NAME
    wanted = _names(addresses)
    replaced = None
    if not (cert_path.exists() and key_path.exists()):
        ca = _ensure_ca(data_dir)
        _generate(cert_path, key_path, ca, wanted)
    else:
        cert = _load(cert_path)
        ca_path = data_dir / CA_CERT_NAME
        signed = ca_path.exists() and cert.issuer == _load(ca_path).subject
        if need_chain and not signed:
            replaced = "made a CA-signed certificate the phone can trust"
        elif need_chain and not wanted <= _sans(cert):
            replaced = f"the LAN address changed ({', '.join(sorted(wanted - _sans(cert)))})"
        if replaced:
            ca = _ensure_ca(data_dir)
            _generate(cert_path, key_path, ca, wanted)
            log.warning("new LAN certificate: %s; paired stations must pair again", replaced)
    cert = _load(cert_path)
    ca_path = data_dir / CA_CERT_NAME
    chained = ca_path.exists() and cert.issuer == _load(ca_path).subject
    der = cert.public_bytes(serialization.Encoding.DER)
    return TlsIdentity(
        cert_path,
        key_path,
        hashlib.sha256(der).digest(),
        ca_path if chained else None,
        replaced,
    )


def _load(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise KnownError(
            f"cannot read the LAN certificate {path}: {exc}",
            hint="Delete the lan-*.pem files to make new ones (stations pair again).",
        ) from exc


def _sans(cert: x509.Certificate) -> set[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    names = {str(ip) for ip in ext.get_values_for_type(x509.IPAddress)}
    return names | set(ext.get_values_for_type(x509.DNSName))


def _names(addresses: Iterable[str]) -> set[str]:
    return {a.strip("[]") for a in addresses if a and a not in ("0.0.0.0", "::", "")}


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the server starts unattended; the file mode guards it
    )


def _ensure_ca(data_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The data folder's CA (made once): it only ever signs this organiser's LAN certificate."""
    cert_path, key_path = data_dir / CA_CERT_NAME, data_dir / CA_KEY_NAME
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise KnownError(f"{key_path} is not an EC key", hint="Delete the lan-*.pem files.")
        return _load(cert_path), key
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "expresso"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Expresso local CA {host}"[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    private_dir(data_dir)
    write_private(key_path, _key_pem(key))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    log.info("created the local CA %s", cert_path.name)
    return cert, key


def _generate(
    cert_path: Path,
    key_path: Path,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    addresses: set[str],
) -> None:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "expresso"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Expresso organiser {host}"[:64])])
    now = dt.datetime.now(dt.UTC)
    dns = {"localhost"}
    ips = {"127.0.0.1"}
    if host.isascii():
        dns |= {host, f"{host}.local"}
    for address in addresses:
        try:
            ips.add(str(ipaddress.ip_address(address)))
        except ValueError:
            if address.isascii():
                dns.add(address)
    alt_names: list[x509.GeneralName] = [x509.DNSName(d) for d in sorted(dns)]
    alt_names += [x509.IPAddress(ipaddress.ip_address(i)) for i in sorted(ips)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    private_dir(cert_path.parent)
    # Created 0600 from the start: never a moment where another user could read the key.
    write_private(key_path, _key_pem(key))
    chain = cert.public_bytes(serialization.Encoding.PEM)
    chain += ca_cert.public_bytes(serialization.Encoding.PEM)
    write_private(cert_path, chain)  # x509 load reads the first: the leaf (what stations pin)
    log.info("created the LAN certificate %s", cert_path.name)
