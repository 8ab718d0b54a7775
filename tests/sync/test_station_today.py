"""A station's day (sync/station_today.py) on a replica filled by real sync rounds: its hours,
its shifts and breaks with the staff's names, in the event's time zone, and where now falls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import select

from expresso_desktop.services import event_admin, schedule_views
from expresso_desktop.services.schedule_views import BreakBar, HoursDraft, ShiftDraft
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.sync.station_today import When, read_today

from .harness import Organiser, StationNode

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = date(2030, 3, 1)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=SYDNEY)


def staff_id(org: Organiser, name: str) -> int:
    with read_session(org.services.engine) as session:
        user = session.exec(select(StaffUser).where(StaffUser.name == name)).one()
        assert user.id is not None
        return user.id


def roster(org: Organiser, station_id: int) -> None:
    """Station ``station_id``'s day in Sydney: hours 07–15, Priya 07–11 with a break 09:00–09:15,
    Jo 10:30–15."""
    event = org.services.event_id
    writer = org.services.writer
    zone = {"timezone": "Australia/Sydney"}
    writer.run_sync(lambda tx: event_admin.update_event(tx, event, zone))
    writer.run_sync(
        lambda tx: schedule_views.save_hours_draft(
            tx, event, HoursDraft(station_id, DAY, time(7), time(15))
        )
    )
    priya = ShiftDraft(
        None, staff_id(org, "Priya"), station_id, at(7), at(11),
        breaks=(BreakBar(None, at(9), at(9, 15)),),
    )  # fmt: skip
    jo = ShiftDraft(None, staff_id(org, "Jo"), station_id, at(10, 30), at(15))
    for draft in (priya, jo):
        writer.run_sync(lambda tx, d=draft: schedule_views.save_shift_draft(tx, event, d))


async def test_the_day_in_the_event_zone_with_breaks_and_now(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(2)
    roster(org, node.station_id or 0)
    assert await node.sync()

    plan = read_today(node.replica, now=at(9, 5))
    assert plan.station == "Station 2" and plan.day == DAY and plan.zone == SYDNEY
    assert plan.hours == ((at(7), at(15)),)
    assert [(s.staff_name, s.starts_at, s.ends_at, s.when) for s in plan.shifts] == [
        ("Priya", at(7), at(11), When.BREAK),
        ("Jo", at(10, 30), at(15), When.LATER),
    ]
    (pause,) = plan.shifts[0].breaks
    assert (pause.starts_at, pause.ends_at, pause.when) == (at(9), at(9, 15), When.NOW)
    assert plan.shifts[0].starts_at.tzinfo == SYDNEY  # shown in the event's zone
    # Priya is on her break and Jo not in yet: closed until the break ends.
    assert not plan.open_now and plan.next_opening == at(9, 15)

    later = read_today(node.replica, now=at(10, 45))
    assert [s.when for s in later.shifts] == [When.NOW, When.NOW] and later.open_now
    assert later.shifts[0].breaks[0].when is When.DONE
