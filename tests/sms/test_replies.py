"""The texts we send back, rendered from the event's templates: the words a customer reads, the
alphabet they travel in, and what is dropped to keep a reply in one segment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.routing import Unroutable
from expresso_desktop.core.sms.segments import is_gsm7, measure
from expresso_desktop.core.templates import load_default_templates
from expresso_desktop.sms.replies import Replies
from expresso_desktop.sms.status import OpenOrder
from expresso_desktop.store.tables import Order, OrderItem, Station

MENU = load_default_menu()
FLAT_WHITE = DrinkSpec("flat white", "large", "oat")
TWO_LATTES = DrinkSpec("latte", "medium", "full cream", quantity=2, sugar=1)


@pytest.fixture
def replies() -> Replies:
    return Replies(load_default_templates(), MENU)


def station(**fields: object) -> Station:
    values: dict[str, object] = {
        "event_id": 1,
        "number": 2,
        "location": "near the east doors",
        "map_url": "https://maps.example.com/east",
    }
    return Station(**{**values, **fields})  # type: ignore[arg-type]


def order(status: str = "new", **fields: object) -> Order:
    values: dict[str, object] = {"event_id": 1, "number": "A042", "customer_name": "Sam"}
    return Order(**{**values, **fields}, status=status)  # type: ignore[arg-type]


def open_order(status: str, *drinks: DrinkSpec) -> OpenOrder:
    return OpenOrder("o", 1, "A042", status, None, None, drinks)


def test_a_confirmation_names_the_order_the_drinks_and_where_to_go(replies: Replies) -> None:
    text = replies.confirmation(
        order=order(),
        items=[FLAT_WHITE, TWO_LATTES],
        station=station(),
        wait_minutes=6,
        sponsor=None,
    )
    assert text == (
        "Order #A042 confirmed: large oat flat white and 2x latte, 1 sugar for Sam. Station 2 "
        "(near the east doors, map: https://maps.example.com/east). About 6 min. "
        "Reply STATUS anytime."
    )
    assert "×" not in text and measure(text).encoding == "GSM-7"  # 2x, not 2×


def test_the_sponsor_line_only_rides_along_when_it_costs_no_segment(replies: Replies) -> None:
    short = replies.confirmation(
        order=order(), items=[FLAT_WHITE], station=station(map_url=None), wait_minutes=3,
        sponsor="Coffee by Acme.",
    )  # fmt: skip
    assert short.endswith("Reply STATUS anytime. Coffee by Acme.")
    long = replies.confirmation(
        order=order(), items=[FLAT_WHITE], station=station(), wait_minutes=3,
        sponsor="Coffee thanks to Acme Roasters, proudly roasting since 1921 in Melbourne.",
    )  # fmt: skip
    assert "Acme" not in long
    assert measure(long).segments == 1


def test_a_drink_we_do_not_serve_is_named_in_the_confirmation_in_gsm7(replies: Replies) -> None:
    text = replies.confirmation(
        order=order(), items=[FLAT_WHITE], station=station(map_url=None), wait_minutes=3,
        sponsor=None, note=replies.unserved_note(["pumpkin spice frappé", "beer"]),
    )  # fmt: skip
    assert text.startswith(
        "We don't serve pumpkin spice frappe and beer. Order #A042 confirmed: large oat flat white"
    )
    assert measure(text).encoding == "GSM-7"  # "frappé" is folded, not sent as UCS-2
    short = replies.confirm(
        order=order(), items=[FLAT_WHITE], station=station(map_url=None), wait_minutes=3,
        sponsor="Coffee by Acme Roasters.", note=replies.unserved_note(["beer"]),
    )  # fmt: skip
    assert short.text.startswith("We don't serve beer. Order #A042")
    assert short.segments.segments == 1 and short.dropped == ("Coffee by Acme Roasters.",)
    assert replies.unserved_note([]) == ""
    long = replies.unserved_note(["beer " * 20, "a", "b", "c"])
    assert long == "We don't serve beer beer beer beer beer beer, a and b."


def test_a_station_is_called_by_its_name_or_its_number(replies: Replies) -> None:
    assert replies.station_label(station(name="Garden Bar")) == "Garden Bar"
    assert replies.station_label(station(name=None, number=7)) == "Station 7"
    assert replies.station_label(None) == "the station"


@pytest.mark.parametrize(
    ("location", "map_url", "shown"),
    [
        ("near the east doors", None, "(near the east doors)"),
        ("", "https://m.example/x", "(map: https://m.example/x)"),
        ("   ", None, ""),
        ("east doors", "https://m.example/x", "(east doors, map: https://m.example/x)"),
        # Too long together: the map link is dropped, never cut in half.
        (
            "the terrace beyond the garden, past the registration desk",
            "https://maps.example.com/a-rather-long-link",
            "(the terrace beyond the garden, past the registration desk)",
        ),
    ],
)
def test_location_drops_the_map_rather_than_cutting_it(
    replies: Replies, location: str, map_url: str | None, shown: str
) -> None:
    assert replies.location(station(location=location, map_url=map_url)) == shown


def test_a_customers_name_is_plain_text_and_cut_to_size(replies: Replies) -> None:
    text = replies.confirmation(
        order=order(customer_name="Sam\n<b>Smith</b>\tJr " + "x" * 80),
        items=[FLAT_WHITE], station=station(map_url=None), wait_minutes=2, sponsor=None,
    )  # fmt: skip
    assert "\n" not in text and "\t" not in text
    assert "for Sam <b>Smith</b> Jr xxx" in text  # shown as written, never interpreted
    assert measure(text).segments <= 2


FLAT_WHITE_ORDER = "Order #A042 (large oat flat white) is"


@pytest.mark.parametrize(
    ("status", "wait", "expected"),
    [
        ("new", 4, "in the queue at Station 2. About 4 min."),
        ("in_progress", 1, "being made at Station 2. About 1 min."),
        ("ready", 3, "ready at Station 2."),  # ready: no wait, even if one was worked out
        ("new", None, "in the queue at Station 2."),
    ],
)
def test_a_status_reply_for_each_state(
    replies: Replies, status: str, wait: int | None, expected: str
) -> None:
    assert replies.status(open_order(status, FLAT_WHITE), station(), wait) == (
        f"{FLAT_WHITE_ORDER} {expected}"
    )


def test_every_open_state_has_its_own_customer_phrase(replies: Replies) -> None:
    texts = {
        s: replies.status(
            open_order(s, drink_of(OrderItem(order_id="o", drink="latte"))), None, None
        )
        for s in OrderStatus
    }
    assert len(set(texts.values())) == len(OrderStatus)
    assert "_" not in texts[OrderStatus.IN_PROGRESS]  # never "in_progress" in a text
    assert texts[OrderStatus.NEW].endswith("at the station.")


def test_menu_lists_every_drink_uncut_and_says_when_there_is_no_milk(replies: Replies) -> None:
    text = replies.menu_text(MENU.drink_names, [])
    assert text.startswith("Menu: latte, cappuccino, flat white")
    assert "cortado" in text  # the drinks list is ours: longer than a customer value may be
    assert "Milks: none today." in text and "Sizes: small, medium, large." in text


def test_a_refusal_offers_what_can_be_made(replies: Replies) -> None:
    now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    offer = Unroutable("cannot_make", ("latte", "tea"), None)
    assert replies.refusal(offer, [DrinkSpec("chai latte", "medium", "soy")], UTC, now) == (
        "Sorry, no station can make soy chai latte right now. Available now: latte and tea."
    )
    milks = ("full cream", "oat", "none")
    assert replies.refusal(offer, [], UTC, now, milks).endswith(
        "Available now: latte and tea, with full cream or oat milk."
    )
    nothing = Unroutable("cannot_make", (), None)
    assert replies.refusal(nothing, [FLAT_WHITE], UTC, now).endswith(
        "Please try again a little later."
    )


def test_drinks_are_listed_as_people_say_them_in_gsm7(replies: Replies) -> None:
    items = [DrinkSpec("latte", "medium", "full cream", quantity=3), FLAT_WHITE]
    assert replies.drinks(items, ["Sam", None]) == "3x latte for Sam and large oat flat white"
    assert is_gsm7(replies.drinks(items))


def test_closed_says_when_service_opens_in_the_events_zone(replies: Replies) -> None:
    now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)  # a Wednesday
    sydney = timezone(timedelta(hours=10))
    later_today = Unroutable("closed", (), now + timedelta(hours=2))
    assert replies.refusal(later_today, [], sydney, now) == (
        "Sorry, coffee service is closed right now. Service opens at 21:00."
    )
    tomorrow = Unroutable("closed", (), now + timedelta(hours=20))  # 15:00 Thursday in Sydney
    assert replies.refusal(tomorrow, [], sydney, now).endswith("Service opens Thu at 15:00.")
    unknown = Unroutable("closed", (), None)
    assert replies.refusal(unknown, [], UTC, now) == "Sorry, coffee service is closed right now."


def test_an_events_own_template_is_used(replies: Replies) -> None:
    custom = Replies(load_default_templates().with_overrides({"help": "Ask at the bar."}), MENU)
    assert custom.text("help") == "Ask at the bar."
    assert replies.text("help") != "Ask at the bar."
