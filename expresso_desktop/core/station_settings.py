"""What each station may set for itself, declared once for the organiser and the station.

Stored one row per station and name, ``station.<id>.<name>`` in ``settings``, and only when it
differs from the default: each station owns its own rows (a barista may set only its station's,
design/sync.md 4.5), two stations never contend for one row's compare-and-set, and the rows
reach every replica with the rest of the settings. Declared in core because the station's side
(which may import only core and store) reads them too.

| name | type | default | what it does |
|---|---|---|---|
| ``sound`` | bool | true | a sound when a new order arrives |
| ``label_printing`` | bool | false | the station has a label printer |
| ``auto_print`` | bool | false | print each new order's cup label without a tap |
| ``amber_after_min`` | int 1–120 | 5 | a waiting order's card turns amber after this long |
| ``red_after_min`` | int 1–240 | 10 | ... and red after this long (more than amber) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from expresso_desktop.core.errors import ValidationError

PREFIX = "station."
Value = bool | int


@dataclass(frozen=True, slots=True)
class StationSetting:
    name: str
    default: Value
    low: int = 0  # bounds of a whole-number setting
    high: int = 0

    def check(self, value: object, *, field: str) -> Value:
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise ValidationError(f"{field} must be true or false", field=field)
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{field} must be a whole number", field=field)
        if not self.low <= value <= self.high:
            raise ValidationError(
                f"{field} must be between {self.low} and {self.high}", field=field
            )
        return value


STATION_SETTINGS: dict[str, StationSetting] = {
    s.name: s
    for s in (
        StationSetting("sound", True),
        StationSetting("label_printing", False),
        StationSetting("auto_print", False),
        StationSetting("amber_after_min", 5, 1, 120),
        StationSetting("red_after_min", 10, 1, 240),
    )
}
DEFAULTS: dict[str, Value] = {s.name: s.default for s in STATION_SETTINGS.values()}


def key_for(station_id: int, name: str) -> str:
    return f"{PREFIX}{station_id}.{name}"


def parse_key(key: str) -> tuple[int, str] | None:
    """``station.3.sound`` → (3, "sound"); None for a key that is not a station's."""
    if not key.startswith(PREFIX):
        return None
    number, _, name = key.removeprefix(PREFIX).partition(".")
    if not number.isdigit() or not name:
        return None
    return int(number), name


def check(name: str, value: object, *, field: str) -> Value:
    """``value`` for the setting ``name``, or a ValidationError naming ``field``."""
    setting = STATION_SETTINGS.get(name)
    if setting is None:
        known = ", ".join(STATION_SETTINGS)
        raise ValidationError(f"{field}: not a station setting (known: {known})", field=field)
    return setting.check(value, field=field)


def effective(stored: Mapping[str, object]) -> dict[str, Value]:
    """A station's settings: the defaults overlaid with what it stored (unknown names dropped,
    a value of the wrong type left at its default)."""
    out = dict(DEFAULTS)
    for name, value in stored.items():
        try:
            out[name] = check(name, value, field=name)
        except ValidationError:
            continue
    return out


def check_ages(values: Mapping[str, Value], *, field: str) -> None:
    """A card turns amber before it turns red."""
    amber, red = values["amber_after_min"], values["red_after_min"]
    if red <= amber:
        raise ValidationError(
            f"{field}: red_after_min ({red}) must be more than amber_after_min ({amber})",
            field=field,
        )
