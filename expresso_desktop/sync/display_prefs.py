"""How this station's screen looks and speaks: font scale, high contrast, the spoken call-out.

Kept in the replica's ``sync_state`` (key ``display``, JSON), like the logged-in barista, and
not as a synced station setting (``core.station_settings``): they belong to this screen and the
people in front of it, not to the station's role in the event. So they work before pairing and
offline, never wait for an outbox round, survive a rebase or a new download (only ``base/``
keys are cleared), and a second device at the same station keeps its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

from .replica import Replica, put

log = logging.getLogger(__name__)

KEY = "display"
MIN_SCALE, MAX_SCALE = 100, 200  # per cent


@dataclass(frozen=True, slots=True)
class DisplayPrefs:
    font_scale: int = MIN_SCALE  # per cent, MIN_SCALE..MAX_SCALE
    high_contrast: bool = False
    callout: bool = False  # say "Order A042, Sam" when an order here becomes ready

    def __post_init__(self) -> None:
        if not MIN_SCALE <= self.font_scale <= MAX_SCALE:
            raise ValueError(f"the font scale is {MIN_SCALE}–{MAX_SCALE} %, not {self.font_scale}")


def read(replica: Replica) -> DisplayPrefs:
    """This screen's choices; the defaults when none were saved (or the saved ones are not
    understood: an older or newer version's)."""
    raw = replica.state(KEY)
    if raw is None:
        return DisplayPrefs()
    try:
        stored = json.loads(raw)
        return DisplayPrefs(
            font_scale=int(stored.get("font_scale", MIN_SCALE)),
            high_contrast=stored.get("high_contrast") is True,
            callout=stored.get("callout") is True,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        log.warning("display settings not understood (%s); using the defaults", exc)
        return DisplayPrefs()


def save(replica: Replica, prefs: DisplayPrefs) -> DisplayPrefs:
    with replica.write() as conn:
        put(conn, KEY, json.dumps(asdict(prefs), sort_keys=True))
    return prefs
