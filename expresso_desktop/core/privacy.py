"""Masking customers' phone numbers for screens and logs."""

from __future__ import annotations

import re

# Customers' numbers arrive in E.164 ("+61400123456", maybe spaced); bare runs of 9+ digits are
# masked too. Dotted quads, dates and times are left alone so logs stay readable; a full stop
# ends a sentence unless a digit follows it ("…from 61400123456." is still masked).
_PHONE_RE = re.compile(r"\+\d(?:[ -]?\d){6,14}|(?<![\d.:-])\d{9,15}(?![\d:-]|\.\d)")


def mask_phone(phone: str | None) -> str:
    """``+61400123456`` → ``+61 ••• ••• 456``: enough to tell two customers apart at a glance."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return "•" * len(digits)
    prefix = ("+" if phone.strip().startswith("+") else "") + digits[:2]
    return f"{prefix} ••• ••• {digits[-3:]}"


def mask_phones_in(text: str) -> str:
    """Mask anything that looks like a phone number inside free text (log lines)."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
