"""Who is acting: the one value every order action takes, whatever path the tap came by.

The LAN API builds it from the device token, the sync handlers from the pushing station (and
the barista logged in there), the SMS conversation and the organiser's own screens use the
constants below. The rules (``services/order_rules.py``) decide from it; the order history
(``services/order_history.py``) records it.
"""

from __future__ import annotations

from dataclasses import dataclass

ORGANISER_CLIENT = "organiser"  # the organiser's own writes (its window, its sync client)
SMS_CLIENT = "sms"  # what customers ask for by text, done by the organiser's conversation
LAN_CLIENT = "lan"  # a device calling the LAN API (``device_id`` says which)


@dataclass(frozen=True, slots=True)
class Actor:
    """``role`` decides what may be done (``core.staff``); a barista acts for ``station_id``.
    ``device_id``: the paired device it came from; ``staff_id``: the person logged in there
    (None when nobody is, or the organiser does not know them); ``client_id``: the sync client
    (a station's replica id), or ``organiser`` / ``sms`` / ``lan``."""

    role: str
    station_id: int | None = None
    device_id: int | None = None
    staff_id: int | None = None
    client_id: str = ORGANISER_CLIENT
    name: str = ""

    @classmethod
    def organiser(cls) -> Actor:
        """The organiser itself (its window, scripts, the services' default)."""
        return ORGANISER

    @classmethod
    def by_text(cls) -> Actor:
        """A customer's text, acted on by the organiser's conversation (it only ever touches
        that customer's own orders): the organiser's authority, recorded as ``sms``."""
        return BY_TEXT

    @property
    def is_barista(self) -> bool:
        return self.role == "barista"

    @property
    def is_organiser(self) -> bool:
        return self.role == "organiser"


ORGANISER = Actor("organiser", client_id=ORGANISER_CLIENT, name="Organiser")
BY_TEXT = Actor("organiser", client_id=SMS_CLIENT, name="Customer (text)")
