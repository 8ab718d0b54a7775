"""The event's Twilio account: where its credentials come from and how they are kept out of sight.

Each value comes from the environment if set there (``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``,
``TWILIO_API_KEY``, ``TWILIO_API_SECRET``, ``EXPRESSO_TWILIO_NUMBER``), else from the OS keyring
(service ``expresso-twilio``). Nothing configured at all means the built-in simulator; a half
configuration is an error that says what is missing, never a silent fall-back to the simulator.

Sending authenticates with the API key + secret when both are set, else with the auth token. The
auth token is also what checks the webhooks' signatures, so a key-only setup can send but the
webhook refuses to start (server/webhook.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from expresso_desktop.errors import KnownError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "expresso-twilio"
API_BASE_ENV = "EXPRESSO_TWILIO_API_BASE"
# The field names are the keyring "usernames" under KEYRING_SERVICE.
ENV_NAMES: Mapping[str, str] = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "api_key": "TWILIO_API_KEY",
    "api_secret": "TWILIO_API_SECRET",
    "number": "EXPRESSO_TWILIO_NUMBER",
}
SECRET_FIELDS = frozenset({"auth_token", "api_secret"})


class TwilioConfigError(KnownError):
    pass


def _hint() -> str:
    names = ", ".join(ENV_NAMES.values())
    return f"Run `expresso twilio set`, or set {names} in the environment."


def redact(value: str | None) -> str:
    """``ACxxxx…cdef``-style: enough to recognise an id, never a usable secret."""
    if not value:
        return "not set"
    return f"{value[:2]}…{value[-4:]}" if len(value) > 8 else "…"


@dataclass(frozen=True)
class TwilioConfig:
    """Credentials for one Twilio number. ``repr`` never shows a secret."""

    account_sid: str
    number: str
    auth_token: str | None = field(default=None, repr=False)
    api_key: str | None = None
    api_secret: str | None = field(default=None, repr=False)
    api_base: str | None = None  # e.g. http://127.0.0.1:PORT (a fake Twilio in tests)
    # field name -> "environment" | "keyring"
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not self.account_sid.startswith("AC"):
            problems.append("the account SID starts with AC (an API key starts with SK)")
        if self.api_key and not self.api_key.startswith("SK"):
            problems.append("an API key starts with SK")
        if bool(self.api_key) != bool(self.api_secret):
            problems.append("an API key needs its secret, and a secret its key")
        if not (self.auth_token or (self.api_key and self.api_secret)):
            problems.append("sending needs the auth token or an API key and secret")
        if not self.number.startswith("+"):
            problems.append("the Twilio number is in E.164 form, e.g. +61400000000")
        if problems:
            raise TwilioConfigError("Twilio settings are incomplete: " + "; ".join(problems) + ".")

    @property
    def rest_auth(self) -> tuple[str, str]:
        """(username, password) for the REST API."""
        if self.api_key and self.api_secret:
            return self.api_key, self.api_secret
        assert self.auth_token is not None
        return self.account_sid, self.auth_token

    @property
    def can_check_signatures(self) -> bool:
        return bool(self.auth_token)

    def __repr__(self) -> str:
        return (
            f"TwilioConfig(account_sid={redact(self.account_sid)!r}, number={self.number!r}, "
            f"auth_token={'set' if self.auth_token else 'not set'}, "
            f"api_key={redact(self.api_key)!r}, "
            f"api_secret={'set' if self.api_secret else 'not set'}, api_base={self.api_base!r})"
        )


def load_twilio_config(
    environ: Mapping[str, str] | None = None, *, api_base: str | None = None
) -> TwilioConfig | None:
    """The configured account, or None when nothing is configured (simulator mode).

    ``api_base`` is the organiser's setting; ``EXPRESSO_TWILIO_API_BASE`` overrides it.
    Raises ``TwilioConfigError`` for a partial configuration.
    """
    env = os.environ if environ is None else environ
    values, sources = gather_settings(KEYRING_SERVICE, ENV_NAMES, env)
    if not values:
        return None
    if "account_sid" not in values or "number" not in values:
        absent = [ENV_NAMES[n] for n in ("account_sid", "number") if n not in values]
        raise TwilioConfigError(
            f"Twilio is half configured: {', '.join(absent)} not set.", hint=_hint()
        )
    base = (env.get(API_BASE_ENV, "").strip() or api_base or "").rstrip("/") or None
    try:
        return TwilioConfig(
            account_sid=values["account_sid"],
            number=values["number"],
            auth_token=values.get("auth_token"),
            api_key=values.get("api_key"),
            api_secret=values.get("api_secret"),
            api_base=base,
            sources=sources,
        )
    except TwilioConfigError as exc:
        raise TwilioConfigError(exc.message, hint=_hint()) from None


def save_to_keyring(
    *,
    account_sid: str,
    number: str,
    auth_token: str | None = None,
    api_key: str | None = None,
    api_secret: str | None = None,
) -> TwilioConfig:
    """Validate and store the account in the OS keyring, replacing whatever was there."""
    config = TwilioConfig(
        account_sid=account_sid.strip(),
        number=number.strip(),
        auth_token=(auth_token or "").strip() or None,
        api_key=(api_key or "").strip() or None,
        api_secret=(api_secret or "").strip() or None,
    )
    wanted = {
        "account_sid": config.account_sid,
        "auth_token": config.auth_token,
        "api_key": config.api_key,
        "api_secret": config.api_secret,
        "number": config.number,
    }
    write_keyring(KEYRING_SERVICE, wanted, TwilioConfigError, "the Twilio credentials", ENV_NAMES)
    return config


def clear_keyring() -> None:
    clear_keyring_values(KEYRING_SERVICE, ENV_NAMES, TwilioConfigError)


def write_keyring(
    service: str,
    wanted: Mapping[str, str | None],
    error: type[KnownError],
    what: str,
    env_names: Mapping[str, str],
) -> None:
    """Store ``wanted`` under ``service`` (None deletes); a keyring that cannot store raises
    ``error`` pointing at the environment variables instead."""
    import keyring

    try:
        for name, value in wanted.items():
            if value is None:
                delete_keyring_value(service, name)
            else:
                keyring.set_password(service, name, value)
    except Exception as exc:
        raise error(
            f"could not store {what} in the OS keyring ({type(exc).__name__})",
            hint="Set them in the environment instead: " + ", ".join(env_names.values()),
        ) from None


def clear_keyring_values(service: str, names: Iterable[str], error: type[KnownError]) -> None:
    for name in names:
        try:
            delete_keyring_value(service, name)
        except Exception as exc:
            raise error(f"could not clear the OS keyring ({type(exc).__name__})") from None


def delete_keyring_value(service: str, name: str) -> None:
    import keyring
    import keyring.errors

    with contextlib.suppress(keyring.errors.PasswordDeleteError):  # was not there
        keyring.delete_password(service, name)


def gather_settings(
    service: str, env_names: Mapping[str, str], env: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """A gateway's settings: each from the environment when set there (it wins), else from the
    keyring under ``service``; and where each came from ("environment" or "keyring")."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, env_name in env_names.items():
        if env.get(env_name, "").strip():
            values[name] = env[env_name].strip()
            sources[name] = "environment"
    missing = [name for name in env_names if name not in values]
    if missing:
        for name, value in read_keyring(service, missing).items():
            values[name] = value
            sources[name] = "keyring"
    return values, sources


def read_keyring(service: str, names: list[str]) -> dict[str, str]:
    """The values stored under ``service`` (empty when the keyring cannot be read)."""
    try:
        import keyring

        found = {}
        for name in names:
            value = keyring.get_password(service, name)
            if value and value.strip():
                found[name] = value.strip()
        return found
    except Exception as exc:  # no backend (headless Linux), locked or broken keyring
        # The exception's text is not logged: some backends echo what they were asked for.
        log.info("OS keyring not available (%s); using the environment only", type(exc).__name__)
        return {}


# Which gateway the organiser runs with. ``EXPRESSO_SMS_GATEWAY`` wins over the keyring (where
# ``expresso gateway use`` keeps it: beside the credentials, readable before any data folder).
GATEWAY_ENV = "EXPRESSO_SMS_GATEWAY"
GATEWAY_SERVICE = "expresso-gateway"
GATEWAY_KINDS = ("twilio", "android", "simulator")


def load_gateway_choice(environ: Mapping[str, str] | None = None) -> str | None:
    """``twilio``, ``android`` or ``simulator`` if the organiser chose one, else None (then:
    Twilio when it is configured, else the simulator)."""
    env = os.environ if environ is None else environ
    value = env.get(GATEWAY_ENV, "").strip().lower()
    source = "the environment"
    if not value:
        value = read_keyring(GATEWAY_SERVICE, ["kind"]).get("kind", "").lower()
        source = "the keyring"
    if not value:
        return None
    if value not in GATEWAY_KINDS:
        raise TwilioConfigError(
            f"unknown SMS gateway {value!r} in {source}",
            hint=f"Choose one of {', '.join(GATEWAY_KINDS)}: `expresso gateway use KIND`.",
        )
    return value


def save_gateway_choice(kind: str | None) -> None:
    """Remember the gateway in the OS keyring; None forgets the choice."""
    import keyring

    try:
        if kind is None:
            delete_keyring_value(GATEWAY_SERVICE, "kind")
        else:
            if kind not in GATEWAY_KINDS:
                raise TwilioConfigError(f"unknown SMS gateway {kind!r}")
            keyring.set_password(GATEWAY_SERVICE, "kind", kind)
    except TwilioConfigError:
        raise
    except Exception as exc:
        raise TwilioConfigError(
            f"could not store the choice in the OS keyring ({type(exc).__name__})",
            hint=f"Set {GATEWAY_ENV} in the environment instead.",
        ) from None
