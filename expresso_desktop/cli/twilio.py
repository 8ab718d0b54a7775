"""``expresso twilio set|show|clear``: the event's Twilio account in the OS keyring.

Secrets are never taken on the command line (they would sit in the shell history and the
process list): ``set`` prompts for them, or reads them from standard input, one per line, when it
is not a terminal. ``show`` never prints a secret.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO


def add_twilio_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    twilio = sub.add_parser("twilio", help="connect the event's Twilio number (OS keyring)")
    actions = twilio.add_subparsers(dest="twilio_command", metavar="ACTION", required=True)
    set_ = actions.add_parser(
        "set",
        help="store the account in the OS keyring (prompts for the secrets)",
        description="Stores the account SID, the number and the secrets in the OS keyring. "
        "Secrets are prompted for; without a terminal they are read from standard input, one "
        "per line: the auth token, then (with --api-key) the API secret.",
    )
    set_.add_argument("--account-sid", required=True, help="AC…")
    set_.add_argument("--number", required=True, help="the event's Twilio number, +E.164")
    set_.add_argument(
        "--api-key", help="SK…: send with an API key (the auth token still checks webhooks)"
    )
    actions.add_parser("show", help="what is configured and where it comes from (no secrets)")
    actions.add_parser("clear", help="remove the account from the OS keyring")


def run_twilio(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    from expresso_desktop.sms import credentials, gateway_setup

    out = out or sys.stdout
    if args.twilio_command == "set":
        token = _secret("Auth token (checks webhook signatures; Enter to skip): ")
        secret = _secret("API secret: ") if args.api_key else None
        # The same checks and storage as the Setup tab's form; here a skipped secret is removed.
        form = gateway_setup.TwilioForm(
            account_sid=args.account_sid,
            number=args.number,
            auth_token=token or "",
            api_key=args.api_key or "",
            api_secret=secret or "",
        )
        config = gateway_setup.store_twilio(form, keep_secrets=False)
        print(f"Saved to the OS keyring: {config!r}", file=out)
        return 0
    if args.twilio_command == "clear":
        credentials.clear_keyring()
        print("Removed the Twilio account from the OS keyring.", file=out)
        return 0
    _show(out)
    return 0


def _show(out: TextIO) -> None:
    from expresso_desktop.sms import credentials

    config = credentials.load_twilio_config()
    if config is None:
        print("Twilio: not configured; texts go to the built-in simulator.", file=out)
        return
    source = config.sources
    rows = [
        ("number", config.number, source.get("number")),
        ("account SID", credentials.redact(config.account_sid), source.get("account_sid")),
        ("auth token", "set" if config.auth_token else "not set", source.get("auth_token")),
        ("API key", credentials.redact(config.api_key), source.get("api_key")),
        ("API secret", "set" if config.api_secret else "not set", source.get("api_secret")),
        ("API base", config.api_base or "https://api.twilio.com", None),
    ]
    print("Twilio: configured", file=out)
    for label, value, where in rows:
        print(f"  {label:<12} {value}" + (f"  ({where})" if where else ""), file=out)
    sending = "the API key" if config.api_key else "the auth token"
    print(f"  sends with   {sending}", file=out)
    if not config.can_check_signatures:
        print(
            "  WARNING: no auth token: the SMS webhook cannot check signatures and will not start"
        )


def _secret(prompt: str) -> str | None:
    # Without a terminal (a script, a pipe): one secret per line on standard input.
    value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    return value.strip() or None
