"""The texts the conversation sends back, rendered from the event's templates.

Everything here is formatting: what to say was decided by ``conversation``. Drink summaries use
"2x" rather than "2×" so a reply stays in the GSM-7 alphabet (one character outside it would
halve the room in a segment), and are listed the way people say them ("latte and mocha").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.orders import status_phrase
from expresso_desktop.core.routing import Unroutable
from expresso_desktop.core.sms.segments import to_gsm_friendly
from expresso_desktop.core.templates import Rendered, TemplateSet, TemplateSource, spoken_list
from expresso_desktop.sms.status import OpenOrder
from expresso_desktop.store.tables import Order, OrderItem, Station

# Lists we compose ourselves may run past the 60 characters a customer's value is cut to.
_LIST_LIMITS = {
    "drinks": 400,
    "milks": 200,
    "sizes": 100,
    "alternatives": 400,
    "drink": 400,
    "note": 200,  # ours: why the order moved, what we don't serve
}
_UNSERVED_CHARS = 30  # one phrase a customer sent, in "We don't serve ..."


class Replies:
    """``templates``: a fixed set, or the event's live view (an override the organiser saves
    is in the very next reply)."""

    def __init__(self, templates: TemplateSource, menu: Menu) -> None:
        self.source = templates
        self.menu = menu

    @property
    def templates(self) -> TemplateSet:
        return self.source.current_templates()

    def text(self, template: str, **values: object) -> str:
        return self.templates.render(template, values, limits=_LIST_LIMITS).text

    # -- pieces --------------------------------------------------------------------------------
    def drinks(self, items: Sequence[DrinkSpec], who: Sequence[str | None] = ()) -> str:
        names = list(who) + [None] * (len(items) - len(who))
        return spoken_list(
            i.summary(self.menu).replace("×", "x") + (f" for {name}" if name else "")
            for i, name in zip(items, names, strict=True)
        )

    def order_drinks(self, rows: Sequence[OrderItem]) -> str:
        return self.drinks([drink_of(r) for r in rows])

    @staticmethod
    def station_label(station: Station | None) -> str:
        if station is None:
            return "the station"
        return station.name or f"Station {station.number}"

    @staticmethod
    def location(station: Station) -> str:
        """ "(near the east doors, map: https://…)"; the map link is dropped rather than cut
        when the two together are too long for one value."""
        parts = [p for p in (station.location.strip(), station.map_url) if p]
        if station.map_url:
            parts[-1] = f"map: {station.map_url}"
        text = ", ".join(parts)
        if len(text) > 58 and station.location.strip():
            text = station.location.strip()
        return f"({text})" if text else ""

    # -- whole replies ---------------------------------------------------------------------------
    def confirmation(self, **values: Any) -> str:
        return self.confirm(**values).text

    def confirm(
        self,
        *,
        order: Order,
        items: Sequence[DrinkSpec],
        station: Station,
        wait_minutes: int,
        sponsor: str | None,
        note: str = "",
    ) -> Rendered:
        """The confirmation, and whether the sponsor line had to be left off (``dropped``)."""
        values = {
            "number": order.number,
            "drink": self.drinks(items),
            "name": order.customer_name,
            "station": self.station_label(station),
            "location": self.location(station),
            "wait": wait_minutes,
            "note": note,
        }
        tail = [sponsor] if sponsor else []
        return self.templates.render(
            "confirmation", values, optional_tail=tail, limits=_LIST_LIMITS
        )

    def group_confirmation(
        self,
        *,
        orders: Sequence[Order],
        items: Sequence[DrinkSpec],
        station: Station,
        wait_minutes: int,
        note: str = "",
    ) -> str:
        values = {
            "number": ", ".join(f"#{o.number}" for o in orders),
            "drink": self.drinks(items, [o.customer_name for o in orders]),
            "station": self.station_label(station),
            "location": self.location(station),
            "wait": wait_minutes,
            "note": note,
        }
        return self.text("group_confirmation", **values)

    @staticmethod
    def unserved_note(unserved: Sequence[str]) -> str:
        """What was left out of an order because nobody here serves it (said, never dropped
        silently); at most three phrases, so the note stays short."""
        if not unserved:
            return ""
        phrases = []
        for phrase in unserved[:3]:
            # GSM-7 only: one accent outside the alphabet would halve the room in a segment.
            phrase = unicodedata.normalize("NFKD", to_gsm_friendly(phrase))
            phrase = phrase.encode("ascii", "ignore").decode()
            if len(phrase) > _UNSERVED_CHARS:
                phrase = phrase[:_UNSERVED_CHARS].rsplit(" ", 1)[0]
            phrases.append(phrase)
        return f"We don't serve {spoken_list(phrases)}."

    @staticmethod
    def moved_note(asked: int, station: Station) -> str:
        """Why the order is not where the customer asked for it."""
        where = station.name or f"Station {station.number}"
        return f"Station {asked} can't make that right now, so it went to {where}."

    def refusal(
        self,
        refusal: Unroutable,
        items: Sequence[DrinkSpec],
        zone: tzinfo,
        now: datetime,
        milks: Sequence[str] = (),
    ) -> str:
        if refusal.reason == "closed":
            opens = ""
            if refusal.opens_at is not None:
                opens = f"Service opens {_when(refusal.opens_at, zone, now)}."
            return self.text("closed", opens_text=opens)
        if refusal.makeable_now:
            alternatives = "Available now: " + spoken_list(refusal.makeable_now)
            with_milk = [m for m in milks if m != NO_MILK]
            if with_milk:
                alternatives += ", with " + spoken_list(with_milk).replace(" and ", " or ")
                alternatives += " milk"
            alternatives += "."
        else:
            alternatives = "Please try again a little later."
        return self.text("unavailable", drink=self.drinks(items), alternatives=alternatives)

    def status(self, order: OpenOrder, station: Station | None, wait: int | None) -> str:
        wait_text = f"About {wait} min." if wait is not None and order.status != "ready" else ""
        return self.text(
            "status",
            number=order.number,
            drink=self.drinks(order.drinks),
            status=status_phrase(order.status),
            station=self.station_label(station),
            wait_text=wait_text,
        )

    def menu_text(self, drinks: Sequence[str], milks: Sequence[str]) -> str:
        return self.text(
            "menu",
            drinks=", ".join(drinks),
            milks=", ".join(milks) or "none today",
            sizes=", ".join(self.menu.size_names),
        )


def _when(at: datetime, zone: tzinfo, now: datetime) -> str:
    local = at.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"at {clock}"
    return f"{local.strftime('%a')} at {clock}"
