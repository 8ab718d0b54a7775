"""Which texts an order's life sends, and when: "ready", a staff cancellation, one reminder,
the new pickup place when an order not made yet moves, and a group's one pickup text.

Each is queued under a dedupe key derived from the order event (``ready:<order id>:<ready at>``,
``cancel:<order id>``, ``reminder:<order id>``, ``moved:<order id>:<assign version>``,
``ready-group:<group id>:<latest ready at>``), so hearing about the same change twice, a sweep
racing the change bus, or a restart replaying both can never text a customer twice.

A "ready" text (and a group's pickup text) is held for the undo window (``core.undo``) before
the sender may take it: a Done taken back (undo) or an order cancelled within the window
withdraws it at once (``withdraw_stale``; status ``withdrawn``), so nobody walks up for a drink
that is not there. Each ready transition has its own key (the order's ``ready_at``, which undo
clears): Done again after an undo is a new text, and that one is held too. The sender checks
once more when it claims a text (``why_stale``): one for an order collected meanwhile, or whose
undo the notifier missed (a restart in between), is withdrawn then. A text already handed to
the gateway cannot be taken back: an undo after the window only moves the order.

Every text is written with the event's templates and timing as they are now (``Texts.settings``,
the organiser's live view): a change to them is in the next text, no restart.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import and_, col, or_, select

from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.sms.segments import to_gsm_friendly
from expresso_desktop.core.templates import is_are, spoken_list
from expresso_desktop.core.undo import UNDO_WINDOW
from expresso_desktop.services.changes import emit
from expresso_desktop.services.order_actions import group_members, group_progress
from expresso_desktop.services.orders import CUSTOMER_CANCEL_REASON
from expresso_desktop.services.text_settings import LiveTexts
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.replies import Replies
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Customer, GroupOrder, Order, SmsMessage, Station
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

# How long each text stays worth sending (a "ready" an hour late is worse than none).
READY_TTL = timedelta(minutes=30)
CANCEL_TTL = timedelta(minutes=30)
REMINDER_TTL = timedelta(minutes=10)
MOVED_TTL = timedelta(minutes=30)
# After a restart, the sweep re-queues notifications for changes at most this old.
CATCH_UP = timedelta(minutes=30)


# An order that may still move (and whose customer then hears where to go).
_NOT_MADE = frozenset({"new", "in_progress"})


@dataclass(frozen=True)
class Texts:
    """What rendering needs; the same for every unit of work."""

    settings: LiveTexts  # the event's templates and reminder timing, as they are now
    menu: Menu | None
    from_number: str = ""
    ready_hold: timedelta = UNDO_WINDOW  # how long a "ready" text waits for an undo


READY_PREFIX = "ready:"
GROUP_PREFIX = "ready-group:"


def ready_key(order: Order) -> str:
    """One "ready" text per ready transition (undo clears ``ready_at``; Done sets it anew)."""
    return f"{READY_PREFIX}{order.id}:{_stamp(order.ready_at)}"


def group_key(group_id: str, members: Iterable[Order]) -> str:
    """One pickup text per completion of a group: keyed by its latest ready transition."""
    latest = max((o.ready_at for o in members if o.ready_at is not None), default=None)
    return f"{GROUP_PREFIX}{group_id}:{_stamp(latest)}"


def _stamp(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f") if at is not None else "none"


def notify_orders(tx: Tx, *, order_ids: Iterable[str], texts: Texts) -> int:
    """Queue the text each order's current status calls for; returns how many were queued."""
    return sum(1 for order_id in order_ids if _notify(tx, order_id, texts))


def sweep(tx: Tx, *, texts: Texts, now: datetime | None = None) -> int:
    """Catch up on notifications a crash may have missed, and send due reminders once."""
    now = now or utcnow()
    session = tx.session
    recent = select(Order.id).where(
        col(Order.customer_id).is_not(None),
        Order.deleted == False,  # noqa: E712
        or_(
            and_(col(Order.status) == "ready", col(Order.ready_at) >= now - CATCH_UP),
            and_(col(Order.status) == "cancelled", col(Order.cancelled_at) >= now - CATCH_UP),
        ),
    )
    queued = notify_orders(tx, order_ids=session.exec(recent).all(), texts=texts)
    return queued + send_reminders(tx, texts=texts, now=now)


def send_reminders(tx: Tx, *, texts: Texts, now: datetime) -> int:
    session = tx.session
    minutes = texts.settings.current().reminder_minutes
    due = select(Order).where(
        Order.status == "ready",
        col(Order.customer_id).is_not(None),
        col(Order.reminder_sent_at).is_(None),
        col(Order.ready_at) <= now - timedelta(minutes=minutes),
        Order.deleted == False,  # noqa: E712
    )
    count = 0
    for order in session.exec(due).all():
        customer = _customer(tx, order)
        # Stamped even when nothing can be sent (opted out): one reminder, ever, per order.
        order.reminder_sent_at = now
        session.add(order)
        emit(session, tx.changes, "orders", order)
        if customer is None:
            continue
        row = outbound.enqueue(
            tx,
            to=customer.phone,
            body=_render(tx, "reminder", order, customer, texts),
            kind="reminder",
            from_number=texts.from_number,
            order_id=order.id,
            customer_id=customer.id,
            dedupe_key=f"reminder:{order.id}",
            expires_at=now + REMINDER_TTL,
        )
        count += row is not None
    return count


def renotify(tx: Tx, *, order_id: str, texts: Texts) -> SmsMessage | None:
    """The barista's "re-notify" tap: the ready text again, on purpose (its own key, so it is
    never mistaken for a duplicate). None when the order is not ready or has nobody to text."""
    order = orders_repo.get(order_id, session=tx.session)
    customer = _customer(tx, order) if order is not None else None
    if order is None or customer is None or order.status != "ready":
        return None
    return outbound.enqueue(
        tx,
        to=customer.phone,
        body=_render(tx, "ready", order, customer, texts),
        kind="ready",
        from_number=texts.from_number,
        order_id=order.id,
        customer_id=customer.id,
        dedupe_key=f"renotify:{order.id}:{uuid.uuid4()}",
        expires_at=utcnow() + READY_TTL,
    )


def _notify(tx: Tx, order_id: str, texts: Texts) -> bool:
    order = orders_repo.get(order_id, session=tx.session)
    if order is None:
        return False
    withdraw_stale(tx, order)
    if order.status in _NOT_MADE:
        if order.group_id is not None:
            _notify_group(tx, order, texts)  # not complete now: its held text is taken back
        return _notify_move(tx, order, texts)
    if order.group_id is not None:
        # Whatever finished a member (ready, collected at once, cancelled) may finish the group.
        group_text = _notify_group(tx, order, texts)
        if order.status != "cancelled":
            return group_text
    if order.status not in ("ready", "cancelled"):
        return False
    customer = _customer(tx, order)
    if customer is None:  # a walk-in: nobody to text
        return False
    now = utcnow()
    hold = None
    if order.status == "ready":
        kind, template, key, ttl = "ready", "ready", ready_key(order), READY_TTL
        hold = texts.ready_hold
    elif order.cancel_reason == CUSTOMER_CANCEL_REASON:
        return False  # they cancelled it themselves and the reply said so
    else:
        kind, template, key, ttl = "cancellation", "cancelled", f"cancel:{order.id}", CANCEL_TTL
    if outbound.already_queued(tx, key):  # checked before rendering: the sweep asks often
        return False
    if kind == "ready" and outbound.already_queued(tx, f"{READY_PREFIX}{order.id}"):
        return False  # texted by a version keyed once per order (before the undo hold)
    row = outbound.enqueue(
        tx,
        to=customer.phone,
        body=_render(tx, template, order, customer, texts),
        kind=kind,  # type: ignore[arg-type]
        from_number=texts.from_number,
        order_id=order.id,
        customer_id=customer.id,
        dedupe_key=key,
        expires_at=now + ttl,
        hold=hold,
    )
    return row is not None


def withdraw_stale(tx: Tx, order: Order) -> int:
    """Take back the held "ready" texts of ``order`` that announce a ready it is no longer in
    (undone, cancelled, collected, or Done again since). Returns how many."""
    current = ready_key(order) if order.status == "ready" else None
    held = tx.session.exec(
        select(SmsMessage).where(
            SmsMessage.order_id == order.id,
            SmsMessage.status == outbound.PENDING,
            SmsMessage.kind == "ready",
            col(SmsMessage.dedupe_key).startswith(f"{READY_PREFIX}{order.id}:"),
        )
    ).all()
    stale = [row for row in held if row.dedupe_key != current]
    for row in stale:
        outbound.withdraw(tx, row, f"order_{order.status}")
    return len(stale)


def why_stale(tx: Tx, row: SmsMessage) -> str | None:
    """Why a queued "ready" text (a held one, a re-notify, a group's pickup) must no longer go
    out, or None while it still tells the truth. The sender asks as it claims the text."""
    key = row.dedupe_key or ""
    if key.startswith(GROUP_PREFIX):
        group_id = key.removeprefix(GROUP_PREFIX).partition(":")[0]
        return _group_stale(key, group_id, group_members(tx.session, group_id))
    if row.order_id is None:  # a text about no order (a test's, an API caller's)
        return None
    order = tx.session.get(Order, row.order_id)
    if order is None or order.status != "ready":
        return f"order_{order.status if order else 'gone'}"
    versioned = key.startswith(READY_PREFIX) and key.count(":") == 2
    return "order_ready_again" if versioned and key != ready_key(order) else None


def _notify_move(tx: Tx, order: Order, texts: Texts) -> bool:
    """An order not made yet went to another station (every move bumps ``assign_version``):
    its customer hears the new pickup place, once per move."""
    if order.assign_version == 0 or order.station_id is None:
        return False
    key = outbound.moved_key(order.id, order.assign_version)
    customer = _customer(tx, order)
    if customer is None or outbound.already_queued(tx, key):
        return False
    row = outbound.enqueue(
        tx,
        to=customer.phone,
        body=_render(tx, "moved", order, customer, texts),
        kind="confirmation",
        from_number=texts.from_number,
        order_id=order.id,
        customer_id=customer.id,
        dedupe_key=key,
        expires_at=utcnow() + MOVED_TTL,
    )
    return row is not None


def _notify_group(tx: Tx, order: Order, texts: Texts) -> bool:
    """A group gets one pickup text, to its contact, once every drink still wanted is ready:
    each drink with the name on its cup. A group whose drinks were all cancelled gets none."""
    session = tx.session
    assert order.group_id is not None
    group = session.get(GroupOrder, order.group_id)
    if group is None or group.deleted:
        return False
    members = group_members(session, group.id)
    complete = group_progress(members).complete
    withdrawn = _withdraw_group(tx, group, members)
    if group.pickup_notified and (withdrawn or not complete):
        group.pickup_notified = False  # texted again once it is complete again
        session.add(group)
        emit(session, tx.changes, "group_orders", group)
    contact = group.customer_id if group.customer_id is not None else order.customer_id
    customer = session.get(Customer, contact) if contact is not None else None
    if group.pickup_notified or customer is None or not complete:
        return False
    made = [o for o in members if o.status in ("ready", "collected")]
    waiting = [o for o in made if o.status == "ready"]
    key = group_key(group.id, members)
    row = None
    if waiting and not outbound.already_queued(tx, key):
        row = outbound.enqueue(
            tx,
            to=customer.phone,
            body=_group_text(tx, group, made, customer, texts),
            kind="ready",
            from_number=texts.from_number,
            order_id=waiting[-1].id,  # the text stays worth sending while this one waits
            customer_id=customer.id,
            dedupe_key=key,
            expires_at=utcnow() + READY_TTL,
            hold=texts.ready_hold,
        )
    group.pickup_notified = True
    session.add(group)
    emit(session, tx.changes, "group_orders", group)
    return row is not None


def _group_stale(key: str, group_id: str, members: list[Order]) -> str | None:
    """Why a group's pickup text (``key``) no longer tells the truth, or None."""
    waiting = any(o.status == "ready" for o in members)
    if not (waiting and group_progress(members).complete):
        return "order_not_ready"  # a drink undone (or all collected) before it left
    return None if key == group_key(group_id, members) else "order_ready_again"


def _withdraw_group(tx: Tx, group: GroupOrder, members: list[Order]) -> int:
    """Take back the group's held pickup text when it no longer tells the truth (a drink undone
    before it left, or Done again since)."""
    held = tx.session.exec(
        select(SmsMessage).where(
            SmsMessage.status == outbound.PENDING,
            SmsMessage.kind == "ready",
            col(SmsMessage.dedupe_key).startswith(f"{GROUP_PREFIX}{group.id}:"),
        )
    ).all()
    count = 0
    for row in held:
        reason = _group_stale(row.dedupe_key or "", group.id, members)
        if reason is not None:
            outbound.withdraw(tx, row, reason)
            count += 1
    return count


def _group_text(
    tx: Tx, group: GroupOrder, made: list[Order], customer: Customer, texts: Texts
) -> str:
    drinks, count = [], 0
    for member in made:
        text, n = _drink_list(tx, member, texts.menu)
        drinks.append(f"{text} for {member.customer_name}" if member.customer_name else text)
        count += n
    values = {
        "number": ", ".join(f"#{o.number}" for o in made),
        "name": group.organiser_name or customer.name or "Hi",
        "drink": spoken_list(drinks),
        "is_are": is_are(count),
        "station": spoken_list(
            dict.fromkeys(_station_label(_station(tx, o.station_id)) for o in made)
        ),
    }
    templates = texts.settings.current_templates()
    return templates.render("group_ready", values, limits={"drink": 400}).text


def _render(tx: Tx, template: str, order: Order, customer: Customer, texts: Texts) -> str:
    drinks, count = _drink_list(tx, order, texts.menu)
    station = _station(tx, order.station_id)
    values = {
        "number": order.number or "",
        "name": order.customer_name or customer.name or "Hi",
        "drink": drinks,
        "is_are": is_are(count),
        "station": _station_label(station),
        "location": Replies.location(station) if station is not None else "",
        "reason": order.cancel_reason or "sorry, the coffee team had to",
    }
    return texts.settings.current_templates().render(template, values).text


def _drink_list(tx: Tx, order: Order, menu: Menu | None) -> tuple[str, int]:
    """ "latte and cappuccino" (GSM-7: "2x", never "2×") and how many drinks that is."""
    parts = []
    count = 0
    for item in orders_repo.items(order.id, session=tx.session):
        spec = drink_of(item)
        count += spec.quantity
        try:
            parts.append(spec.summary(menu))
        except Exception:  # a drink the current menu no longer has
            parts.append(spec.summary(None))
    return spoken_list(to_gsm_friendly(p) for p in parts) or "order", count or 1


def _station(tx: Tx, station_id: int | None) -> Station | None:
    return tx.session.get(Station, station_id) if station_id is not None else None


def _station_label(station: Station | None) -> str:
    if station is None:
        return "the pickup counter"
    return station.name or f"Station {station.number}"


def _customer(tx: Tx, order: Order) -> Customer | None:
    if order.customer_id is None:
        return None
    return tx.session.get(Customer, order.customer_id)
