"""Which handler runs a station's mutation: the explicit registry of every feature's handlers
(orders, stock, settings and chat), schema versions (``name@N``, sync.md 4.9) and the role
check. The handlers themselves live with their feature (``order_mutations``,
``stock_mutations``, ``settings_mutations``); what they share is ``context``."""

from __future__ import annotations

from expresso_desktop.core.staff import allowed
from expresso_desktop.core.sync_protocol import Reason, schema_supported, split_name
from expresso_desktop.services.sync import order_mutations, settings_mutations, stock_mutations
from expresso_desktop.services.sync.context import MutationCtx, Refused, Spec

HANDLERS: dict[str, Spec] = {
    **order_mutations.HANDLERS,
    **stock_mutations.HANDLERS,
    **settings_mutations.HANDLERS,
}


def resolve(name: str) -> Spec | None:
    """The handler for ``name`` or ``name@N``; None if this organiser cannot run it."""
    base, version = split_name(name)
    if not schema_supported(version):
        return None
    return HANDLERS.get(base)


def check_role(ctx: MutationCtx, spec: Spec) -> None:
    if not allowed(ctx.caller.role, spec.permission):
        raise Refused(Reason.FORBIDDEN, f"a {ctx.caller.role} may not do this")
