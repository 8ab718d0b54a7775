"""How a station's sync mutations text customers (``services.sync.context.CustomerTexts``):
``order.renotify`` queues the "ready" text again and ``order.message`` a barista's text, each
in the mutation's own transaction. The composition root hands one to the sync server
(``server/headless.py``), since the sync handlers (services) may not import the SMS layer.

The rules are the rulebook's: re-notify is ``order_rules.check_renotify`` (a ready order of the
barista's station with a phone number), a message is ``manual.text_order``'s (the same as the
LAN API's ``POST /orders/{id}/messages``)."""

from __future__ import annotations

from dataclasses import dataclass

from expresso_desktop.core.actors import Actor
from expresso_desktop.services.order_rules import check_renotify
from expresso_desktop.services.orders import OrderNotFound
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound import manual, notifications
from expresso_desktop.store.repositories import orders_repo


@dataclass(frozen=True)
class StationTexts:
    texts: notifications.Texts  # the event's templates now, as the notifier writes with them

    def renotify(self, tx: Tx, order_id: str, *, actor: Actor) -> None:
        order = orders_repo.get(order_id, session=tx.session)
        if order is None:
            raise OrderNotFound(f"no order {order_id}")
        check_renotify(tx.session, actor, order)
        notifications.renotify(tx, order_id=order_id, texts=self.texts)

    def message(self, tx: Tx, order_id: str, body: str, *, actor: Actor) -> None:
        manual.text_order(tx, order_id, body, actor=actor)
