"""Per-station settings (core/station_settings.py): keys, types, defaults."""

from __future__ import annotations

import pytest

from expresso_desktop.core import station_settings as ss
from expresso_desktop.core.errors import ValidationError


def test_keys_name_a_station_and_a_setting() -> None:
    assert ss.key_for(3, "sound") == "station.3.sound"
    assert ss.parse_key("station.3.sound") == (3, "sound")
    for other in ("station_settings", "station.x.sound", "station.3", "vip_codes"):
        assert ss.parse_key(other) is None


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("sound", 1, "f.sound"),
        ("amber_after_min", True, "f.amber_after_min"),
        ("amber_after_min", 0, "f.amber_after_min"),
        ("red_after_min", 241, "f.red_after_min"),
        ("volume", 3, "f.volume"),
    ],
)
def test_values_are_typed_and_bounded(name: str, value: object, field: str) -> None:
    with pytest.raises(ValidationError) as bad:
        ss.check(name, value, field=field)
    assert bad.value.field == field


def test_effective_fills_defaults_and_ignores_what_does_not_fit() -> None:
    got = ss.effective({"sound": False, "red_after_min": "soon", "volume": 11})
    assert got == {**ss.DEFAULTS, "sound": False}
    ss.check_ages({**ss.DEFAULTS}, field="s")
    with pytest.raises(ValidationError):
        ss.check_ages({**ss.DEFAULTS, "amber_after_min": 10}, field="s")
