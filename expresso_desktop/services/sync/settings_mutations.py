"""The organiser's handlers for the event-wide shared state stations may write (sync.md 4.5):
settings (organiser-owned; a station only its own ``station.<id>.<name>`` rows, compare-and-set
on ``row_version``, every value checked by ``services.event_settings`` like any other path) and
chat (grow-only, insert-or-ignore by the client's message id)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from expresso_desktop.core import station_settings
from expresso_desktop.core.errors import DomainError
from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import MutationName, Reason
from expresso_desktop.core.templates import load_default_templates
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import emit, fetch
from expresso_desktop.services.sync.context import (
    MutationCtx,
    Refused,
    Registry,
    Spec,
    arg_int,
    arg_str,
    own_station,
    unknown,
)
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Setting, Station

MAX_SETTING_BYTES = 4000


def _barista_may_set(ctx: MutationCtx, key: str) -> bool:
    """Stations own only their own ``station.<id>.<name>`` rows (sound, card ages...)."""
    parsed = station_settings.parse_key(key)
    return parsed is not None and parsed[0] == ctx.caller.station_id


def settings_set(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Applied only if ``base_version`` is the setting's current row_version (0: never set);
    otherwise ``stale``: the organiser's value stands and the station pulls it."""
    key = arg_str(args, "key", max_len=80)
    if ctx.caller.role != "organiser" and not _barista_may_set(ctx, key):
        raise Refused(Reason.FORBIDDEN, f"only the organiser may change {key}")
    base = arg_int(args, "base_version")
    if "value" not in args or len(repr(args["value"])) > MAX_SETTING_BYTES:
        raise Refused(Reason.INVALID_ARGS, "value is missing or too large")
    session = ctx.tx.session
    row = session.get(Setting, key)
    if base != (row.row_version if row is not None else 0):
        raise Refused(Reason.STALE, f"{key} was changed meanwhile")
    try:
        value = event_settings.check_key(
            session, key, args["value"], ctx.menu, load_default_templates()
        )
    except DomainError as exc:
        raise Refused(Reason.INVALID_ARGS, f"bad value for {key}: {exc.reason}") from None
    saved = settings_repo.put(key, value, session=session)
    emit(session, ctx.tx.changes, "settings", saved, entity_id=key)


def _client_time(sent: object) -> datetime | None:
    """The sender's clock, for display only: a naive or unreadable time is not guessed at."""
    if not isinstance(sent, str):
        return None
    try:
        when = datetime.fromisoformat(sent)
    except ValueError:
        return None
    return when if when.utcoffset() is not None else None


def chat_post(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Grow-only: insert-or-ignore by the client's message id."""
    channel = arg_str(args, "channel", max_len=30)
    if channel != "all":
        number = channel.removeprefix("station:")
        if not channel.startswith("station:") or not number.isdigit():
            raise Refused(Reason.INVALID_ARGS, "channel must be 'all' or 'station:<id>'")
        own_station(ctx, int(number))
        station = fetch(ctx.tx.session, Station, int(number))
        if station is None or station.deleted:
            raise unknown(ctx, f"station {number}")
    message = {
        "id": arg_str(args, "message_id", max_len=64),
        "channel": channel,
        "author": ctx.caller.name or ctx.caller.client_id[:8],
        "body": arg_str(args, "body", max_len=1000),
        "client_ts": _client_time(args.get("client_ts") or ctx.client_ts),
    }
    event_settings.post_chat_values(ctx.tx, message)


HANDLERS: Registry = {
    MutationName.SETTINGS_SET: Spec(Permission.READ_BOARD, settings_set),
    MutationName.CHAT_POST: Spec(Permission.CHAT, chat_post),
}
