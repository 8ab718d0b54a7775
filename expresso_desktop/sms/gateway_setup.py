"""Choosing the event's SMS gateway and keeping its settings: what the Setup tab (and the
``expresso twilio`` / ``expresso gateway`` commands) read and write.

Three gateways: Twilio, an Android phone on the LAN ("SMS Gateway for Android" in Local Server
mode), or the built-in simulator. The choice and the credentials live in the OS keyring exactly
as the command line keeps them (``sms.credentials`` and ``sms.android_config`` store them; this
module only adds what a form needs):

- ``read_settings()`` — the choice and each gateway's non-secret settings, where each value comes
  from (the environment wins over the keyring), and for a secret only whether it is set;
- ``save(kind, twilio=…, phone=…)`` — checks the form field by field (a ``SaveResult`` names
  each field that is wrong, nothing is stored then), stores the settings and the choice;
- ``check_phone(form)`` — asks the phone with the real client whether it answers and takes
  the login.

Everything here reads the keyring, which may be slow or ask the user to unlock it: never call
it on the GUI thread. The running servers keep the gateway they started with; a new choice
takes effect when they start again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from expresso_desktop.core.privacy import mask_phone, normalise_e164
from expresso_desktop.errors import KnownError
from expresso_desktop.sms import android_config, credentials
from expresso_desktop.sms.android_config import AndroidConfig, load_android_config
from expresso_desktop.sms.credentials import TwilioConfig, load_twilio_config, redact

log = logging.getLogger(__name__)

GatewayKind = Literal["twilio", "android", "simulator"]
KINDS: tuple[GatewayKind, ...] = ("twilio", "android", "simulator")
KIND_LABELS: Mapping[str, str] = {
    "twilio": "Twilio",
    "android": "Android phone on the LAN",
    "simulator": "Built-in simulator",
}
AUTO_TEXT = "auto (Twilio if configured, else the simulator)"
SIMULATOR_DETAIL = "always available: customers' texts come from the Messages screen's test phone"
ANDROID_SECRETS = frozenset({"password", "signing_key"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Field names, as the forms and the keyring call them, and how a person does.
FIELD_LABELS: Mapping[str, str] = {
    "account_sid": "Account SID",
    "number": "Number",
    "auth_token": "Auth token",
    "api_key": "API key",
    "api_secret": "API secret",
    "url": "Phone URL",
    "user": "Username",
    "password": "Password",
    "webhook_url": "Webhook URL",
}


def describe_choice(kind: str | None) -> str:
    """The choice as the command line and the Setup tab say it."""
    return kind if kind else AUTO_TEXT


def choose(kind: GatewayKind | None) -> str:
    """Remember the gateway (None: auto) in the OS keyring; returns how to say it."""
    credentials.save_gateway_choice(kind)
    log.info("SMS gateway chosen: %s", kind or "auto")
    return describe_choice(kind)


# -- reading -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StoredSettings:
    """One gateway's settings as a form shows them: never a secret's value."""

    values: Mapping[str, str]  # the non-secret fields that are set
    secrets_set: frozenset[str]  # the secret fields that are set
    sources: Mapping[str, str]  # field -> "environment" | "keyring"
    env_names: Mapping[str, str]  # field -> the environment variable that overrides it
    state: Literal["configured", "not set up", "incomplete"]
    detail: str  # what is configured (masked), or what is missing

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def from_environment(self) -> tuple[str, ...]:
        return tuple(name for name, where in self.sources.items() if where == "environment")


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """The choice and both gateways' settings (read with ``read_settings``)."""

    chosen: GatewayKind | None  # None: auto
    chosen_source: str | None  # "environment" | "keyring" | None
    choice_problem: str | None  # an unknown kind in the environment or the keyring
    twilio: StoredSettings
    android: StoredSettings

    @property
    def effective(self) -> GatewayKind:
        """What the servers would start with now."""
        if self.chosen is not None:
            return self.chosen
        return "twilio" if self.twilio.state == "configured" else "simulator"

    def status(self, kind: GatewayKind) -> str:
        """One line in words for the choice's button: configured or not, and as what."""
        if kind == "simulator":
            return SIMULATOR_DETAIL
        stored = self.twilio if kind == "twilio" else self.android
        return stored.detail


def read_settings(environ: Mapping[str, str] | None = None) -> GatewaySettings:
    env = os.environ if environ is None else environ
    twilio = _read_stored(
        credentials.KEYRING_SERVICE, credentials.ENV_NAMES, credentials.SECRET_FIELDS, env
    )
    android = _read_stored(
        android_config.KEYRING_SERVICE, android_config.ENV_NAMES, ANDROID_SECRETS, env
    )
    chosen: GatewayKind | None = None
    problem = None
    try:
        kind = credentials.load_gateway_choice(env)
        chosen = kind if kind in KINDS else None
    except KnownError as exc:
        problem = exc.message
    source = None
    if chosen is not None:
        source = "environment" if env.get(credentials.GATEWAY_ENV, "").strip() else "keyring"
    return GatewaySettings(
        chosen=chosen,
        chosen_source=source,
        choice_problem=problem,
        twilio=_with_state(twilio, _twilio_state(env)),
        android=_with_state(android, _android_state(env)),
    )


def _read_stored(
    service: str, env_names: Mapping[str, str], secrets: frozenset[str], env: Mapping[str, str]
) -> StoredSettings:
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, env_name in env_names.items():
        if env.get(env_name, "").strip():
            values[name] = env[env_name].strip()
            sources[name] = "environment"
    missing = [name for name in env_names if name not in values]
    for name, value in credentials.read_keyring(service, missing).items():
        values[name] = value
        sources[name] = "keyring"
    return StoredSettings(
        values={k: v for k, v in values.items() if k not in secrets},
        secrets_set=frozenset(k for k in values if k in secrets),
        sources=sources,
        env_names=env_names,
        state="not set up",
        detail="",
    )


def _with_state(stored: StoredSettings, state: tuple[str, str]) -> StoredSettings:
    kind, detail = state
    return StoredSettings(
        stored.values,
        stored.secrets_set,
        stored.sources,
        stored.env_names,
        kind,  # type: ignore[arg-type]
        detail,
    )


def _twilio_state(env: Mapping[str, str]) -> tuple[str, str]:
    try:
        config = load_twilio_config(env)
    except KnownError as exc:
        return "incomplete", f"incomplete: {exc.message}"
    if config is None:
        return "not set up", "not set up yet"
    return "configured", (
        f"configured: number {mask_phone(config.number)}, account {redact(config.account_sid)}"
    )


def _android_state(env: Mapping[str, str]) -> tuple[str, str]:
    try:
        config = load_android_config(env)
    except KnownError as exc:
        return "incomplete", f"incomplete: {exc.message}"
    if config is None:
        return "not set up", "not set up yet"
    return "configured", f"configured: {config.url} (user {config.user})"


# -- the forms ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TwilioForm:
    """What the organiser typed. A blank secret keeps the one already stored."""

    account_sid: str = ""
    number: str = ""
    auth_token: str = field(default="", repr=False)
    api_key: str = ""
    api_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class PhoneForm:
    """What the organiser typed. A blank password keeps the one already stored."""

    url: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    number: str = ""
    webhook_url: str = ""


class GatewayFormError(KnownError):
    """A form with fields that are wrong; ``problems`` maps each field to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        listed = "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in problems.items())
        super().__init__(f"Not saved: {listed}.")
        self.problems = dict(problems)


def _kept(service: str, env_names: Mapping[str, str], name: str) -> str:
    """The secret already stored (the keyring's, else the environment's)."""
    stored = credentials.read_keyring(service, [name]).get(name)
    return stored or os.environ.get(env_names[name], "").strip()


def _url_problem(url: str, *, example: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"looks like {example}"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"the port is not a number (e.g. {example})"
    return None


def _number(value: str, problems: dict[str, str], name: str, *, required: bool) -> str:
    value = value.strip()
    if not value:
        if required:
            problems[name] = "needed, in international form, e.g. +61400000000"
        return ""
    number = normalise_e164(value)
    if number is None:
        problems[name] = "international form with + and the country code, e.g. +61400000000"
        return value
    return number


def twilio_config_from(form: TwilioForm, *, keep_secrets: bool = True) -> TwilioConfig:
    """The account the form describes (blank secrets: the stored ones when ``keep_secrets``).
    Raises ``GatewayFormError`` naming each wrong field."""
    problems: dict[str, str] = {}
    sid = form.account_sid.strip()
    if not sid:
        problems["account_sid"] = "needed (AC…, on the Twilio console's home page)"
    elif not sid.startswith("AC"):
        problems["account_sid"] = "starts with AC (an API key starts with SK)"
    number = _number(form.number, problems, "number", required=True)
    api_key = form.api_key.strip()
    if api_key and not api_key.startswith("SK"):
        problems["api_key"] = "starts with SK"
    service, names = credentials.KEYRING_SERVICE, credentials.ENV_NAMES
    token = form.auth_token.strip()
    if not token and keep_secrets:
        token = _kept(service, names, "auth_token")
    secret = form.api_secret.strip()
    if api_key and not secret and keep_secrets:
        same_key = credentials.read_keyring(service, ["api_key"]).get("api_key") == api_key
        secret = _kept(service, names, "api_secret") if same_key else ""
    if api_key and not secret:
        problems["api_secret"] = "needed with an API key"
    if secret and not api_key:
        problems["api_key"] = "needed with an API secret (or clear the secret)"
    if not token and not (api_key and secret):
        problems["auth_token"] = "needed, unless you send with an API key and secret"
    if problems:
        raise GatewayFormError(problems)
    return TwilioConfig(
        account_sid=sid,
        number=number,
        auth_token=token or None,
        api_key=api_key or None,
        api_secret=secret or None,
    )


def phone_config_from(
    form: PhoneForm, *, signing_key: str | None = None, keep_secrets: bool = True
) -> AndroidConfig:
    """The phone the form describes, signed with ``signing_key`` (else the stored key, else a
    new one). Raises ``GatewayFormError`` naming each wrong field."""
    problems: dict[str, str] = {}
    url = form.url.strip().rstrip("/")
    if not url:
        problems["url"] = "needed: the address the app's Local Server shows, http://PHONE:8080"
    elif problem := _url_problem(url, example="http://192.168.1.20:8080"):
        problems["url"] = problem
    user = form.user.strip()
    if not user:
        problems["user"] = "needed (the app's Home tab shows it)"
    service, names = android_config.KEYRING_SERVICE, android_config.ENV_NAMES
    password = form.password.strip()
    if not password and keep_secrets:
        password = _kept(service, names, "password")
    if not password:
        problems["password"] = "needed (the app's Home tab shows it)"
    number = _number(form.number, problems, "number", required=False)
    webhook = form.webhook_url.strip().rstrip("/")
    if webhook and (problem := _url_problem(webhook, example="https://expresso.example.org")):
        problems["webhook_url"] = problem
    if problems:
        raise GatewayFormError(problems)
    key = signing_key or _kept(service, names, "signing_key") or android_config.new_signing_key()
    return AndroidConfig(
        url=url,
        user=user,
        password=password,
        signing_key=key,
        number=number,
        webhook_url=webhook or None,
    )


def store_twilio(form: TwilioForm, *, keep_secrets: bool = True) -> TwilioConfig:
    """Check the form and store the account in the OS keyring (``expresso twilio set``)."""
    config = twilio_config_from(form, keep_secrets=keep_secrets)
    return credentials.save_to_keyring(
        account_sid=config.account_sid,
        number=config.number,
        auth_token=config.auth_token,
        api_key=config.api_key,
        api_secret=config.api_secret,
    )


def store_phone(
    form: PhoneForm, *, new_signing_key: bool = False, keep_secrets: bool = True
) -> AndroidConfig:
    """Check the form and store the phone in the OS keyring (``expresso gateway android set``).
    The webhook signing key is kept unless ``new_signing_key``."""
    key = android_config.new_signing_key() if new_signing_key else None
    config = phone_config_from(form, signing_key=key, keep_secrets=keep_secrets)
    return android_config.save_android_to_keyring(
        url=config.url,
        user=config.user,
        password=config.password,
        signing_key=config.signing_key,
        number=config.number,
        webhook_url=config.webhook_url,
    )


# -- saving ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SaveResult:
    """What ``save`` did: stored (``problems`` empty), or nothing stored and why, by field."""

    kind: GatewayKind
    problems: Mapping[str, str]
    message: str
    notes: tuple[str, ...] = ()  # what still stands in the way (the environment overrides…)
    settings: GatewaySettings | None = None  # read again after saving

    @property
    def saved(self) -> bool:
        return not self.problems


def save(
    kind: GatewayKind,
    *,
    twilio: TwilioForm | None = None,
    phone: PhoneForm | None = None,
    environ: Mapping[str, str] | None = None,
) -> SaveResult:
    """Store ``kind``'s settings (when it has a form) and choose it. A keyring that cannot be
    written raises a ``KnownError`` saying so."""
    if kind not in KINDS:
        raise KnownError(f"unknown SMS gateway {kind!r}")
    env = os.environ if environ is None else environ
    notes: list[str] = []
    try:
        if kind == "twilio":
            config = store_twilio(twilio or TwilioForm())
            what = f"Twilio, number {mask_phone(config.number)}"
            if not config.can_check_signatures:
                notes.append(
                    "Without the auth token the SMS webhook cannot check Twilio's signatures "
                    "and will not start."
                )
            names: Mapping[str, str] = credentials.ENV_NAMES
        elif kind == "android":
            phone_config = store_phone(phone or PhoneForm())
            what = f"the Android phone at {phone_config.url}"
            notes.extend(_webhook_notes(phone_config))
            names = android_config.ENV_NAMES
        else:
            what, names = "the built-in simulator", {}
    except GatewayFormError as exc:
        return SaveResult(kind, exc.problems, "Not saved: correct the fields marked ⚠.")
    choose(kind)
    override = env.get(credentials.GATEWAY_ENV, "").strip()
    if override and override.lower() != kind:
        notes.append(
            f"{credentials.GATEWAY_ENV}={override} is set in the environment and still wins "
            "over this choice."
        )
    overridden = [env_name for env_name in names.values() if env.get(env_name, "").strip()]
    if overridden:
        notes.append(
            f"Set in the environment, and winning over what you saved: {', '.join(overridden)}."
        )
    return SaveResult(
        kind,
        {},
        f"Saved: {what} is the SMS gateway.",
        tuple(notes),
        read_settings(env),
    )


def _webhook_notes(config: AndroidConfig) -> list[str]:
    if not config.webhook_url:
        return [
            "No webhook URL: the phone is told to call this computer's LAN address over HTTPS "
            "(install our certificate on the phone once: the link and QR code above)."
        ]
    parts = urlsplit(config.webhook_url)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return [
            "The app refuses http:// webhook addresses other than http://127.0.0.1: use "
            "https://, or adb reverse with http://127.0.0.1."
        ]
    return []


# -- the phone, asked --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """What asking the phone found. ``text`` is for a person: a word and a sign, not a colour."""

    reachable: bool
    login_ok: bool | None  # None: not asked (the phone did not answer, or the form is wrong)
    text: str
    problems: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reachable and bool(self.login_ok)


async def check_phone(form: PhoneForm) -> PhoneCheck:
    """Ask the phone the form describes, with the real client: does it answer (``GET
    /health``, no login) and does it take the login (``GET /webhooks``)? Never raises for the
    phone's sake: the answer says what went wrong."""
    from android_sms_gateway.errors import APIError

    from expresso_desktop.sms.android_gateway import AndroidGateway, classify

    try:  # the keyring may be slow: off the loop
        config = await asyncio.to_thread(phone_config_from, form)
    except GatewayFormError as exc:
        return PhoneCheck(False, None, "Not tested: correct the fields marked ⚠.", exc.problems)
    gateway = AndroidGateway(config)
    await gateway.start()
    try:
        health = await gateway.health()
        if not health.reachable:
            return PhoneCheck(
                False,
                None,
                f"✗ No answer from {config.url} ({health.detail}). Is the app's Local Server "
                "on, and is the phone on the same network as this computer?",
            )
        try:
            await gateway.client.get_webhooks()
        except APIError as exc:
            if exc.status_code in (401, 403):
                return PhoneCheck(
                    True,
                    False,
                    f"✗ The phone answers but refused the login (HTTP {exc.status_code}): "
                    "check the username and password on the app's Home tab.",
                )
            return PhoneCheck(
                True, None, f"✗ The phone answers but failed (HTTP {exc.status_code})."
            )
        except Exception as exc:
            return PhoneCheck(True, None, f"✗ The phone answers but: {classify(exc).reason}.")
    finally:
        await gateway.close()
    return PhoneCheck(
        True, True, f"✓ Connected: the phone answers (health: {health.detail}) and took the login."
    )


class GatewaySetup:
    """The functions above for a screen, given by the composition root. ``read`` and ``save``
    block (the keyring): run them off the GUI thread; ``check_phone`` is a coroutine."""

    def read(self) -> GatewaySettings:
        return read_settings()

    def save(
        self,
        kind: GatewayKind,
        *,
        twilio: TwilioForm | None = None,
        phone: PhoneForm | None = None,
    ) -> SaveResult:
        return save(kind, twilio=twilio, phone=phone)

    async def check_phone(self, form: PhoneForm) -> PhoneCheck:
        return await check_phone(form)
