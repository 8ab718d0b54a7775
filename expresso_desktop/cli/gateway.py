"""``expresso gateway use|show`` and ``expresso gateway android set|show|clear``: which SMS gateway
the organiser runs with, and the Android phone's settings in the OS keyring.

As with ``expresso twilio``, secrets are never taken on the command line: ``android set`` prompts
for the phone's password (or reads it from standard input, one line, without a terminal) and
keeps the webhook signing key it already had, or makes a strong one.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO


def add_gateway_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gateway = sub.add_parser("gateway", help="choose the SMS gateway: twilio | android | simulator")
    actions = gateway.add_subparsers(dest="gateway_command", metavar="ACTION", required=True)
    use = actions.add_parser("use", help="run with this gateway from now on (OS keyring)")
    use.add_argument("kind", choices=("twilio", "android", "simulator", "auto"))
    actions.add_parser("show", help="which gateway the organiser will use, and why")
    android = actions.add_parser("android", help="the Android phone (SMS Gateway for Android)")
    phone = android.add_subparsers(dest="android_command", metavar="ACTION", required=True)
    set_ = phone.add_parser(
        "set",
        help="store the phone in the OS keyring (prompts for its password)",
        description="Stores the phone's local-server URL, username and password (prompted; "
        "without a terminal, read from standard input) in the OS keyring, with the key its "
        "webhooks are signed with (kept if already stored, else made).",
    )
    set_.add_argument("--url", required=True, help="the app's Local Server, http://PHONE:8080")
    set_.add_argument("--user", required=True, help="the username the app shows")
    set_.add_argument("--number", default="", help="the phone's own number, +E.164 (optional)")
    set_.add_argument(
        "--webhook-url",
        help="the base URL the phone calls us at (default: --public-url, else the listener's)",
    )
    set_.add_argument(
        "--new-signing-key", action="store_true", help="replace the webhook signing key"
    )
    phone.add_parser("show", help="the phone's settings and where they come from (no secrets)")
    phone.add_parser("clear", help="remove the phone from the OS keyring")


def run_gateway(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    from expresso_desktop.sms import android_config, gateway_setup

    out = out or sys.stdout
    if args.gateway_command == "use":
        said = gateway_setup.choose(None if args.kind == "auto" else args.kind)
        print(f"SMS gateway: {said}", file=out)
        return 0
    if args.gateway_command == "show":
        return _show_choice(out)
    if args.android_command == "set":
        # The same checks and storage as the Setup tab's form; here a password is always typed.
        form = gateway_setup.PhoneForm(
            url=args.url,
            user=args.user,
            password=_secret("Phone password (the app's Home tab): ") or "",
            number=args.number,
            webhook_url=args.webhook_url or "",
        )
        config = gateway_setup.store_phone(
            form, new_signing_key=args.new_signing_key, keep_secrets=False
        )
        print(f"Saved to the OS keyring: {config!r}", file=out)
        print("Use it with `expresso gateway use android`.", file=out)
        return 0
    if args.android_command == "clear":
        android_config.clear_android_keyring()
        print("Removed the Android phone from the OS keyring.", file=out)
        return 0
    return _show_android(out)


def _show_choice(out: TextIO) -> int:
    from expresso_desktop.sms.gateway_status import sms_mode

    mode = sms_mode()
    print(f"SMS gateway: {mode.kind}", file=out)
    print(f"  {mode.text}", file=out)
    return 0


def _show_android(out: TextIO) -> int:
    from expresso_desktop.sms.android_config import load_android_config

    config = load_android_config()
    if config is None:
        print("Android phone: not configured.", file=out)
        return 0
    source = config.sources
    rows = [
        ("URL", config.url, source.get("url")),
        ("user", config.user, source.get("user")),
        ("password", "set", source.get("password")),
        ("signing key", "set", source.get("signing_key")),
        ("number", config.number or "not set", source.get("number")),
        ("webhook URL", config.webhook_url or "the listener's own", source.get("webhook_url")),
    ]
    print("Android phone: configured", file=out)
    for label, value, where in rows:
        print(f"  {label:<12} {value}" + (f"  ({where})" if where else ""), file=out)
    return 0


def _secret(prompt: str) -> str | None:
    value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    return value.strip() or None
