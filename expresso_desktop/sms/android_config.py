"""The event's Android phone (the "SMS Gateway for Android" app in Local Server mode): where it is,
how to log in to it, and the key its webhooks are signed with.

Each value comes from the environment if set there (``EXPRESSO_ANDROID_URL``,
``EXPRESSO_ANDROID_USER``, ``EXPRESSO_ANDROID_PASSWORD``, ``EXPRESSO_ANDROID_SIGNING_KEY``,
``EXPRESSO_ANDROID_NUMBER``, ``EXPRESSO_ANDROID_WEBHOOK_URL``), else from the OS keyring (service
``expresso-android``), like the Twilio account (``sms.credentials``). The password and the signing
key are secrets: never on the command line, never in a log line or a ``repr``.

The signing key is ours: ``gateway android set`` makes a strong random one and the organiser
writes it to the phone's webhook settings at start (``PATCH /settings``), so the phone's own
8-character default is never what guards the webhook.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from expresso_desktop.errors import KnownError
from expresso_desktop.sms.credentials import (
    clear_keyring_values,
    gather_settings,
    read_keyring,
    write_keyring,
)

log = logging.getLogger(__name__)

KEYRING_SERVICE = "expresso-android"
ENV_NAMES: Mapping[str, str] = {
    "url": "EXPRESSO_ANDROID_URL",
    "user": "EXPRESSO_ANDROID_USER",
    "password": "EXPRESSO_ANDROID_PASSWORD",
    "signing_key": "EXPRESSO_ANDROID_SIGNING_KEY",
    "number": "EXPRESSO_ANDROID_NUMBER",
    "webhook_url": "EXPRESSO_ANDROID_WEBHOOK_URL",
}
MIN_SIGNING_KEY = 16


class AndroidConfigError(KnownError):
    pass


def _hint() -> str:
    return (
        "Run `expresso gateway android set --url http://PHONE:8080 --user USER`, or set "
        + ", ".join(ENV_NAMES.values())
        + " in the environment."
    )


def new_signing_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class AndroidConfig:
    """One phone. ``repr`` never shows a secret."""

    url: str  # the phone's local server, e.g. http://192.168.1.20:8080
    user: str
    password: str = field(repr=False)
    signing_key: str = field(repr=False)
    number: str = ""  # the phone's own number (E.164), for the log; optional
    webhook_url: str | None = None  # the base URL the phone calls us at
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append("the phone's URL looks like http://192.168.1.20:8080")
        if not self.user:
            problems.append("the phone's username is needed (the app's Home tab shows it)")
        if not self.password:
            problems.append("the phone's password is needed")
        if len(self.signing_key) < MIN_SIGNING_KEY:
            problems.append(f"the webhook signing key needs {MIN_SIGNING_KEY} characters or more")
        if self.number and not self.number.startswith("+"):
            problems.append("the phone's number is in E.164 form, e.g. +61400000000")
        if self.webhook_url and urlsplit(self.webhook_url).scheme not in ("http", "https"):
            problems.append("the webhook URL starts with https:// or http://")
        if problems:
            raise AndroidConfigError(
                "Android phone settings are incomplete: " + "; ".join(problems) + "."
            )

    def __repr__(self) -> str:
        return (
            f"AndroidConfig(url={self.url!r}, user={self.user!r}, password='set', "
            f"signing_key='set', number={self.number!r}, webhook_url={self.webhook_url!r})"
        )

    @property
    def describe(self) -> str:
        # A password is never shown, not even in part (a short one would be half given away).
        password = "password set" if self.password else "no password"
        return f"Android phone at {self.url} (user {self.user}, {password})"


def load_android_config(environ: Mapping[str, str] | None = None) -> AndroidConfig | None:
    """The configured phone, or None when nothing is configured. A partial configuration raises
    ``AndroidConfigError`` saying what is missing."""
    env = os.environ if environ is None else environ
    values, sources = gather_settings(KEYRING_SERVICE, ENV_NAMES, env)
    if not values:
        return None
    try:
        return AndroidConfig(
            url=values.get("url", "").rstrip("/"),
            user=values.get("user", ""),
            password=values.get("password", ""),
            signing_key=values.get("signing_key", ""),
            number=values.get("number", ""),
            webhook_url=(values.get("webhook_url") or "").rstrip("/") or None,
            sources=sources,
        )
    except AndroidConfigError as exc:
        raise AndroidConfigError(exc.message, hint=_hint()) from None


def save_android_to_keyring(
    *,
    url: str,
    user: str,
    password: str,
    signing_key: str | None = None,
    number: str = "",
    webhook_url: str | None = None,
) -> AndroidConfig:
    """Validate and store the phone in the OS keyring, replacing whatever was there. Without a
    signing key, the one already stored is kept, else a new one is made."""
    stored_key = read_keyring(KEYRING_SERVICE, ["signing_key"]).get("signing_key")
    config = AndroidConfig(
        url=url.strip().rstrip("/"),
        user=user.strip(),
        password=password.strip(),
        signing_key=(signing_key or "").strip() or stored_key or new_signing_key(),
        number=number.strip(),
        webhook_url=(webhook_url or "").strip().rstrip("/") or None,
    )
    wanted = {
        "url": config.url,
        "user": config.user,
        "password": config.password,
        "signing_key": config.signing_key,
        "number": config.number or None,
        "webhook_url": config.webhook_url,
    }
    write_keyring(KEYRING_SERVICE, wanted, AndroidConfigError, "the phone's settings", ENV_NAMES)
    return config


def clear_android_keyring() -> None:
    clear_keyring_values(KEYRING_SERVICE, ENV_NAMES, AndroidConfigError)


def default_webhook_base(phone_url: str, webhook_listener: str, lan_listener: str) -> str:
    """Where the phone calls us when the organiser set no webhook URL. The app calls only
    ``https://`` (trusting user-installed CAs) or ``http://127.0.0.1``: a phone reached on
    loopback (``adb forward``/``adb reverse``, the fake phone in tests) gets the plain webhook
    listener; a phone on the LAN gets the LAN listener's HTTPS address (our CA installed)."""
    host = (urlsplit(phone_url).hostname or "").lower()
    if host in ("127.0.0.1", "localhost", "::1"):
        return webhook_listener
    return lan_listener
