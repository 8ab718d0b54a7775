"""Customers' phone numbers are shown masked everywhere; an organiser may see one number in full
when they ask for it by customer, and every such look is logged and raised as an alert.

The log line and the alert name the device and the customer id, never the number.
"""

from __future__ import annotations

import logging

from expresso_desktop.core.errors import DomainError
from expresso_desktop.services.changes import Alert
from expresso_desktop.services.purge import PURGED_PREFIX
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Customer

log = logging.getLogger(__name__)

PHONE_REVEALED = "phone_revealed"


class CustomerNotFound(DomainError):
    code = "not_found"


class NumberPurged(DomainError):
    code = "purged"


def reveal_phone(tx: Tx, customer_id: int, *, revealed_by: str) -> str:
    """The customer's number in full, for ``revealed_by`` (a device's or a person's name)."""
    customer = tx.session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound(f"no customer {customer_id}")
    if customer.phone.startswith(PURGED_PREFIX):
        raise NumberPurged(f"customer {customer_id}'s number was purged after the event")
    log.info("%s was shown the phone number of customer %d", revealed_by, customer_id)
    tx.changes.alerts.append(
        Alert(
            PHONE_REVEALED,
            f"{revealed_by} was shown the phone number of customer {customer_id}",
            str(customer_id),
        )
    )
    return customer.phone
