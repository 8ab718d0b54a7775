"""Customers' phone numbers: the one form we accept (E.164), and masking for screens and logs."""

from __future__ import annotations

import re

# Customers' numbers arrive in E.164 ("+61400123456", maybe spaced); bare runs of 9+ digits are
# masked too. Dotted quads, dates and times are left alone so logs stay readable; a full stop
# ends a sentence unless a digit follows it ("…from 61400123456." is still masked).
_PHONE_RE = re.compile(r"\+\d(?:[ -]?\d){6,14}|(?<![\d.:-])\d{9,15}(?![\d:-]|\.\d)")
# E.164: "+", a country code that does not start with 0, at most 15 digits in all. Seven is
# the shortest subscriber number in use (a few small countries) with its country code.
_E164_RE = re.compile(r"\+[1-9][0-9]{6,14}")
# What people and carriers put between the digits of a number they write out.
_SEPARATORS_RE = re.compile(r"[ \-]")
# Twilio-style secrets (account and API key sids) that must never reach a log line.
_SECRET_RE = re.compile(r"\b(AC|SK)[0-9a-fA-F]{32}\b")
# SQLAlchemy's error text repeats the statement's parameters verbatim (row values: names,
# message bodies, numbers); the statement itself says what failed.
_SQL_PARAMETERS_RE = re.compile(r"\[parameters: [^\n]*\]")


def normalise_e164(text: str) -> str | None:
    """``"+61 400 000 001"`` → ``"+61400000001"``; None for anything that is not a phone
    number in E.164 form (``client:sam``, ``0400 000 001``, ``<script>``, an emoji)."""
    if not text.isascii():
        return None
    compact = _SEPARATORS_RE.sub("", text.strip())
    return compact if _E164_RE.fullmatch(compact) else None


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


def redact(text: str) -> str:
    """What a log line may say: phone numbers masked, Twilio secrets cut, and SQL parameter
    dumps (row values, verbatim) hidden. Applied to whole records, tracebacks included."""
    text = _SQL_PARAMETERS_RE.sub("[parameters: hidden]", text)
    text = _SECRET_RE.sub(lambda m: m.group(1) + "…", text)
    return mask_phones_in(text)
