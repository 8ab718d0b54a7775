"""The event's report (services/reports.py) on a real organiser seeded with the demo event:
orders stored and moved along by the order services with a barista at each station, texts
through the real inbound path and the real outbound queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.purge import purge_customer_data
from expresso_desktop.services.reports import (
    REPORT_HOURS,
    HourBar,
    MakeTimes,
    ReportReader,
    Tally,
)
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.inbound import InboundText, receive
from expresso_desktop.sms.outbound.messages import enqueue
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event, Order, StaffUser
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, write

NOW = utcnow().replace(minute=30, second=0, microsecond=0)
OAT_LATTE = DrinkSpec("latte", "medium", "oat")


def staff_id(services: OrganiserServices, name: str) -> int:
    with read_session(services.engine) as session:
        person = session.exec(select(StaffUser).where(StaffUser.name == name)).one()
    assert person.id is not None
    return person.id


def barista(services: OrganiserServices, name: str, station: int) -> Actor:
    return Actor("barista", station_id(services, station), None, staff_id(services, name))


def placed(services: OrganiserServices, station: int, at: datetime, *specs: DrinkSpec) -> Order:
    order, _ = write(
        services,
        lambda tx: orders.store_order(
            tx,
            event_id=services.event_id,
            station_id=station_id(services, station),
            specs=specs,
            customer_name="Ann",
            now=at,
        ),
    )
    return order


def made(
    services: OrganiserServices,
    order: Order,
    by: Actor,
    *,
    started: float | None,
    ready: float,
) -> None:
    """``by`` taps Start ``started`` seconds after the order came in (or skips it), then Done."""
    if started is not None:
        at = order.created_at + timedelta(seconds=started)
        write(services, lambda tx: orders.start_order(tx, order.id, now=at, actor=by))
    done = order.created_at + timedelta(seconds=ready)
    write(services, lambda tx: orders.mark_ready(tx, order.id, now=done, actor=by))


def test_an_event_without_orders_reports_zeros_and_every_station(
    organiser: OrganiserServices,
) -> None:
    report = ReportReader(organiser.engine, organiser.event_id, organiser.menus).read(NOW)
    assert (report.orders, report.drinks_ordered, report.drinks_made) == (0, 0, 0)
    assert report.per_hour == () and report.drinks == () and report.milks == ()
    assert report.median_make_s is None
    assert [(s.name, s.orders_made, s.median_make_s) for s in report.stations] == [
        ("Station 1", 0, None),
        ("Station 2", 0, None),
        ("Garden Bar", 0, None),
    ]
    # the baristas are listed before they make anything; the organiser (Alex) is not
    assert [b.name for b in report.baristas] == ["Jo", "Priya", "Sam"]
    assert report.event_name.startswith("Expresso demo")


def test_orders_make_times_and_popular_drinks(organiser: OrganiserServices) -> None:
    sam, priya = barista(organiser, "Sam", 1), barista(organiser, "Priya", 2)
    flat_whites = DrinkSpec("flat white", "medium", "full cream", quantity=2)
    first = placed(organiser, 1, NOW - timedelta(hours=2), OAT_LATTE)
    made(organiser, first, sam, started=60, ready=180)  # 120 s from Start
    second = placed(organiser, 1, NOW - timedelta(hours=1), flat_whites)
    made(organiser, second, sam, started=None, ready=300)  # 300 s from arriving
    third = placed(organiser, 2, NOW - timedelta(minutes=55), OAT_LATTE)
    made(organiser, third, priya, started=0, ready=90)
    write(organiser, lambda tx: orders.collect_order(tx, third.id, now=NOW))
    cancelled = placed(
        organiser, 2, NOW - timedelta(minutes=10), DrinkSpec("mocha", "large", "soy")
    )
    write(organiser, lambda tx: orders.cancel_order(tx, cancelled.id, "spilt", now=NOW))
    placed(organiser, 3, NOW - timedelta(minutes=5), DrinkSpec("latte", "large", "oat", quantity=2))

    report = ReportReader(organiser.engine, organiser.event_id, organiser.menus).read(NOW)

    assert report.orders == 5
    assert report.orders_by_status == (
        ("new", 1),
        ("in_progress", 0),
        ("ready", 2),
        ("collected", 1),
        ("cancelled", 1),
    )
    assert (report.drinks_ordered, report.drinks_made) == (6, 4)  # the mocha was cancelled
    assert report.median_make_s == 120.0
    one, two, garden = (station_id(organiser, n) for n in (1, 2, 3))
    assert report.stations == (
        MakeTimes(f"station:{one}", "Station 1", 2, 3, 210.0),
        MakeTimes(f"station:{two}", "Station 2", 1, 1, 90.0),
        MakeTimes(f"station:{garden}", "Garden Bar", 0, 0, None),
    )
    assert [(b.name, b.orders_made, b.drinks_made, b.median_make_s) for b in report.baristas] == [
        ("Sam", 2, 3, 210.0),
        ("Priya", 1, 1, 90.0),
        ("Jo", 0, 0, None),
    ]
    assert report.drinks == (Tally("latte", 4), Tally("flat white", 2))
    assert report.milks == (Tally("oat", 4), Tally("full cream", 2))
    hour = NOW.replace(minute=0)
    assert [(bar.start, bar.orders) for bar in report.per_hour] == [
        (hour - timedelta(hours=2), 1),
        (hour - timedelta(hours=1), 2),
        (hour, 2),
    ]
    assert report.per_hour[-1].label == hour.strftime("%H:00")


def test_hours_are_the_event_s_own_and_end_with_its_last_order(
    organiser: OrganiserServices,
) -> None:
    def in_adelaide(tx: Tx) -> None:
        event = tx.session.get(Event, organiser.event_id)
        assert event is not None
        event.timezone = "Australia/Adelaide"  # UTC+10:30 in January
        tx.session.add(event)

    write(organiser, in_adelaide)
    opening = datetime(2025, 1, 10, 0, 0, tzinfo=UTC)  # 10:30 in Adelaide
    long_before = opening - timedelta(hours=20)  # outside the chart's twelve hours
    for at in (
        long_before,
        opening,
        opening + timedelta(minutes=29),
        opening + timedelta(minutes=31),
    ):
        placed(organiser, 1, at, OAT_LATTE)

    next_day = opening + timedelta(days=1)
    report = ReportReader(organiser.engine, organiser.event_id, organiser.menus).read(next_day)

    assert report.zone == "Australia/Adelaide" and report.orders == 4
    assert len(report.per_hour) == REPORT_HOURS  # the last order's hour and eleven before it
    last, before = report.per_hour[-1], report.per_hour[-2]
    assert (before.label, before.orders) == ("10:00", 2)  # 10:30 and 10:59
    assert (last.label, last.orders) == ("11:00", 1)  # 11:01
    assert sum(bar.orders for bar in report.per_hour) == 3
    assert isinstance(last, HourBar) and last.start.utcoffset() == timedelta(hours=10, minutes=30)


OURS = "+15005550006"
PHONES = ("+61400550001", "+61400550002", "+61400550003")


def test_texts_by_outcome_and_the_customer_data_a_purge_takes(
    organiser: OrganiserServices,
) -> None:
    conversation = Conversation(
        event_id=organiser.event_id, menu=organiser.menu, templates=organiser.templates
    )
    for n, phone in enumerate(PHONES):
        text = InboundText(sid=f"SMin{n}", from_number=phone, to_number=OURS, body="latte for Ann")
        write(organiser, lambda tx, text=text: receive(tx, conversation, text))

    def outbound(tx: Tx) -> None:
        for n, status in enumerate(("delivered", "failed", "expired", "pending")):
            row = enqueue(tx, to=PHONES[0], body=f"text {n}", kind="manual")
            assert row is not None
            row.status = status
            tx.session.add(row)

    write(organiser, outbound)
    reader = ReportReader(organiser.engine, organiser.event_id, organiser.menus)

    texts = reader.read(NOW).texts
    # three in; three confirmations (replied at once) and a delivered text out
    assert (texts.received, texts.sent, texts.delivered) == (3, 4, 1)
    assert (texts.failed, texts.not_sent, texts.waiting) == (1, 1, 1)
    assert ("out", "replied", 3) in texts.by_status and ("in", "received", 3) in texts.by_status
    before = reader.read(NOW)
    assert (before.customers, before.numbers_held, before.texts_held) == (3, 3, 10)
    assert before.orders == 3

    purge_customer_data(organiser.writer)

    after = reader.read(NOW)
    assert (after.customers, after.numbers_held, after.texts_held) == (3, 0, 0)
    assert after.orders == 3 and after.texts.received == 3
    # the text still waiting is not sent any more
    assert (after.texts.waiting, after.texts.not_sent) == (0, 2)
