"""What every mutation handler works with (sync.md 4.5): who sent it, the transaction it runs
in, how it refuses, and checked reads of its arguments.

A handler re-executes an intent against the *current* organiser state inside the push
transaction. A refusal is a ``DomainError`` whose ``code`` becomes the mutation's ``rejected``
reason (``core.sync_protocol.Reason``). ``Deferred`` is the one transient refusal: a mutation
naming an entity the organiser does not know yet, while stations re-push after a restore (4.7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from expresso_desktop.core.actors import ORGANISER_CLIENT as ORGANISER_CLIENT
from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import DomainError
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import Reason
from expresso_desktop.services import order_rules
from expresso_desktop.services.changes import Alert
from expresso_desktop.services.writer import Tx


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a mutation: the client id from the request, role and station from its device.
    ``device_id``: the paired device whose token came with the request (None in process)."""

    client_id: str
    role: str
    station_id: int | None = None
    name: str = ""
    device_id: int | None = None


class CustomerTexts(Protocol):
    """How a station's mutation texts a customer (``order.renotify``, ``order.message``). The
    texts are the SMS layer's (templates, the outbound queue), which services may not import:
    the composition root gives the sync server one (``SyncServer.texts``). Each queues one text
    in the mutation's transaction (a mutation runs once: a re-sent one is a ``duplicate``), or
    refuses with a ``DomainError`` naming the order."""

    def renotify(self, tx: Tx, order_id: str, *, actor: Actor) -> None: ...

    def message(self, tx: Tx, order_id: str, body: str, *, actor: Actor) -> None: ...


@dataclass
class MutationCtx:
    tx: Tx
    caller: Caller
    seq: int
    event_id: int
    menu: Menu
    recovering: bool = False  # just restored: unknown entities may still be re-pushed
    client_ts: str | None = None  # the station's clock when tapped: display only (I6)
    texts: CustomerTexts | None = None  # None: this organiser sends no texts (no SMS runtime)

    def actor(self, args: Mapping[str, Any]) -> Actor:
        """Who the order services see: the pushing device's role and station, and the barista
        logged in there when it was tapped (``staff_id``, which the station adds to every
        mutation; the order history records it only if the organiser knows that person)."""
        caller = self.caller
        staff = args.get("staff_id")
        return Actor(
            role=caller.role,
            station_id=caller.station_id,
            device_id=caller.device_id,
            staff_id=staff if isinstance(staff, int) and not isinstance(staff, bool) else None,
            client_id=caller.client_id,
            name=caller.name,
        )


class Refused(DomainError):
    """A permanent refusal; ``alert`` (if any) goes to the organiser even though the
    mutation's own effects are rolled back."""

    def __init__(self, code: str, reason: str, *, alert: Alert | None = None) -> None:
        super().__init__(reason, code=code)
        self.alert = alert


class Deferred(Exception):
    """Transient: retry later (the entity may arrive with another station's re-push)."""


Handler = Callable[[MutationCtx, Mapping[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Spec:
    """A handler and the permission a caller's role needs to run it."""

    permission: Permission
    handler: Handler


# -- argument helpers ------------------------------------------------------------------------


def arg_str(
    args: Mapping[str, Any], key: str, *, max_len: int = 200, optional: bool = False
) -> Any:
    value = args.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise Refused(Reason.INVALID_ARGS, f"{key} must be text of at most {max_len} characters")
    return value.strip()


def arg_int(args: Mapping[str, Any], key: str, *, optional: bool = False) -> Any:
    value = args.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(Reason.INVALID_ARGS, f"{key} must be a whole number")
    return value


def arg_qty(args: Mapping[str, Any], key: str = "qty") -> float:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1e6:
        raise Refused(Reason.INVALID_ARGS, f"{key} must be a positive number")
    return float(value)


def unknown(ctx: MutationCtx, what: str) -> Exception:
    """The refusal for an entity the organiser does not have (deferred while recovering)."""
    if ctx.recovering:
        return Deferred(what)
    return Refused(Reason.UNKNOWN_ENTITY, f"no {what}")


def own_station(ctx: MutationCtx, station_id: int | None, what: str = "that") -> None:
    """Baristas act for their own station (and on what belongs to none); others anywhere:
    the order rule (``order_rules.check_station``), for stock and settings too."""
    order_rules.check_station(ctx.tx.session, ctx.actor({}), station_id, what)


Registry = Mapping[str, Spec]
