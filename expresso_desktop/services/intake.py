"""Intake limits on the organiser (B5): the event's limits as set now, and the throttle's alert.

The decisions are ``core.intake``'s; this reads the settings they need through the read cache
(dropped by the change bus, so a limit changed anywhere counts from the very next text) and tells
the organiser, once per crossing, that a station's wait went over the limit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from expresso_desktop.core import intake
from expresso_desktop.core.routing import Routed
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import Alert
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import Floor
from expresso_desktop.services.writer import Tx

log = logging.getLogger(__name__)

THROTTLE_ALERT = "throttle"
_SETTINGS = frozenset({"settings"})


class IntakeGuard:
    """One conversation's view of the limits. Used from the single writer only."""

    def __init__(self, cache: ReadCache | None) -> None:
        self.cache = cache
        self.watch = intake.ThrottleWatch()

    def limits(self, tx: Tx) -> intake.Limits:
        def load() -> intake.Limits:
            return event_settings.intake_limits(tx.session)

        if self.cache is None:
            return load()
        return self.cache.get(("intake_limits",), _SETTINGS, load, pending=tx.changes)

    def check_wait(
        self, tx: Tx, floor: Floor, decision: Routed, limits: intake.Limits, now: datetime
    ) -> intake.Throttled | None:
        """Whether the order routed by ``decision`` must be held for its station's wait; the
        organiser gets an alert when that station has just gone over the limit. Stations now
        back under it are noted too, so their next crossing is a new alert."""
        held = intake.throttle(decision.wait_minutes, limits)
        for view in floor.open_now(now):
            if view.id != decision.station_id:
                quote = round(view.wait_s(vip=False, drinks=1) / 60)
                if not intake.over_limit(quote, limits):
                    self.watch.observe(view.id, False)
        if self.watch.observe(decision.station_id, held is not None) and held is not None:
            station = floor.station(decision.station_id)
            where = station.name or f"Station {station.number}"
            doing = "asked to confirm" if held.mode == "confirm" else "told ordering is paused"
            message = (
                f"{where}: the wait is about {held.wait_minutes} min, over the "
                f"{limits.throttle_minutes}-min limit; new orders there are {doing}."
            )
            log.info("throttle: %s", message)
            tx.changes.alerts.append(Alert(THROTTLE_ALERT, message, decision.station_id))
        return held
