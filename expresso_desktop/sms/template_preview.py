"""What a customer would receive from a template, for the organiser's editor: the text rendered
for a sample order through the same ``Replies`` the conversation writes with (the confirmation
with the sponsor line riding along only when it costs no segment, the lists at their real
length), and what it costs in SMS segments (GSM-7 or UCS-2, ``core.sms.segments``).
"""

from __future__ import annotations

from dataclasses import dataclass

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.sms.segments import SegmentInfo, measure
from expresso_desktop.core.templates import TemplateSet
from expresso_desktop.sms.replies import Replies
from expresso_desktop.store.tables import Order, Station

SAMPLE_NAME = "Sam"
SAMPLE_NUMBER = "A042"
SAMPLE_WAIT = 6
SAMPLE_MILK = "oat"


@dataclass(frozen=True, slots=True)
class TemplatePreview:
    text: str
    segments: SegmentInfo
    sponsor_dropped: bool  # the sponsor line was left off: it would have cost a segment

    @property
    def cost(self) -> str:
        """ "1 SMS · GSM-7 · 112 of 160 characters" — how a person reads the cost."""
        info = self.segments
        room = (160 if info.encoding == "GSM-7" else 70) if info.single else None
        parts = "1 SMS" if info.single else f"{info.segments} SMS parts"
        size = f"{info.units} of {room} characters" if room else f"{info.units} characters"
        return f"{parts} · {info.encoding} · {size}"


def preview(
    name: str, text: str, *, bundled: TemplateSet, menu: Menu, event: str, sponsor: str = ""
) -> TemplatePreview:
    """``text`` as template ``name`` rendered for a sample order. A ``ValidationError`` when
    it is not a valid template (an unknown placeholder, unbalanced braces)."""
    templates = bundled.with_overrides({name: text}).with_values(event=event)
    replies = Replies(templates, menu)
    if name == "confirmation":
        rendered = replies.confirm(
            order=Order(event_id=0, number=SAMPLE_NUMBER, customer_name=SAMPLE_NAME),
            items=[_sample_drink(menu)],
            station=_sample_station(),
            wait_minutes=SAMPLE_WAIT,
            sponsor=sponsor.strip() or None,
        )
        return TemplatePreview(rendered.text, rendered.segments, bool(rendered.dropped))
    body = replies.text(name, **_sample_values(replies, menu))
    return TemplatePreview(body, measure(body), False)


def _sample_drink(menu: Menu) -> DrinkSpec:
    drink = next((d for d in menu.drinks if not d.black), menu.drinks[0])
    milks = [m for m in menu.milk_names if m not in (NO_MILK, menu.default_milk)]
    milk = menu.default_milk_for(drink.name)
    if milks and not drink.black:
        milk = SAMPLE_MILK if SAMPLE_MILK in milks else milks[0]
    return DrinkSpec(drink.name, menu.size_names[-1], milk)


def _sample_station() -> Station:
    return Station(event_id=0, number=2, location="near the east doors")


def _sample_values(replies: Replies, menu: Menu) -> dict[str, object]:
    station = _sample_station()
    milks = [m for m in menu.milk_names if m != NO_MILK]
    return {
        "number": SAMPLE_NUMBER,
        "drink": replies.drinks([_sample_drink(menu)]),
        "name": SAMPLE_NAME,
        "station": replies.station_label(station),
        "location": replies.location(station),
        "wait": SAMPLE_WAIT,
        "wait_text": f"About {SAMPLE_WAIT} min.",
        "status": "being made",
        "reason": "the station ran out of milk",
        "drinks": ", ".join(menu.drink_names),
        "milks": ", ".join(milks),
        "sizes": ", ".join(menu.size_names),
        "alternatives": f"Available now: {', '.join(menu.drink_names[:3])}.",
        "opens_text": "Service opens at 07:30.",
        "is_are": "is",
    }
