"""What a station scans to pair: the code, where the organiser is, and which certificate to pin."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno


def pairing_payload(code: str, url: str, fingerprint_hex: str) -> str:
    """``expresso://pair?code=…&url=…&fp=…``: short enough for a small, robust QR code."""
    return "expresso://pair?" + urlencode({"code": code, "url": url, "fp": fingerprint_hex})


def qr_svg(payload: str) -> str:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="svg", scale=6, border=2)
    return buffer.getvalue().decode()


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()
