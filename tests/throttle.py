"""Storm tests queue far past the event's wait limit (issue 10's throttle): they turn it off so
that every text is a first order, the path whose durability they test."""

from __future__ import annotations

from pathlib import Path

from expresso_desktop.services import event_settings
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths


def without_throttle(data: Path) -> None:
    services = build_organiser_services(AppPaths(data))
    try:
        services.writer.run_sync(
            lambda tx: event_settings.update(
                tx, {"throttle_wait_minutes": 0}, services.menu, services.templates
            )
        )
    finally:
        services.close()
