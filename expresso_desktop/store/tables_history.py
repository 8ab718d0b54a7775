"""Who did what to each order, and when: the organiser's own history (never synced).

One row per action on any path (the LAN API, a station's sync, a customer's text, the
organiser's window): ``services/order_history.py`` writes it and reads timelines and staff
stats from it.
"""

from datetime import datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import check_in, partial_index, utc_field

OrderEventAction = Literal["placed", "start", "ready", "collect", "cancel", "undo", "move", "amend"]
ORDER_EVENT_ACTIONS: tuple[str, ...] = get_args(OrderEventAction)


class OrderEvent(SQLModel, table=True):
    """``station_id``: where the order was after the action; ``staff_id``: the person logged
    in where it was done (checked: an unknown or inactive id is stored as NULL); ``device_id``
    and ``client_id``: the device and sync client (``organiser``, ``sms``, ``lan`` or a
    station's replica id). No foreign keys but the order's: the history outlives the rest."""

    __tablename__ = "order_events"
    __table_args__ = (
        check_in("action", ORDER_EVENT_ACTIONS),
        # Partial (migration 0006): a text's order has nobody's staff id.
        partial_index("ix_order_events_staff_id", "staff_id", where="staff_id IS NOT NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", ondelete="CASCADE", index=True)
    at: datetime = utc_field(default="now")
    action: OrderEventAction = Field(sa_type=sa.String)
    from_status: str | None = None
    to_status: str | None = None
    station_id: int | None = None
    staff_id: int | None = None
    device_id: int | None = None
    client_id: str
    detail: str | None = None  # a cancel's reason, "station 1 → station 2", the new drinks
