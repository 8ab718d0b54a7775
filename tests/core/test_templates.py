from __future__ import annotations

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.sms.segments import measure, to_gsm_friendly
from expresso_desktop.core.templates import (
    PLACEHOLDERS,
    load_default_templates,
    placeholders_in,
    plain,
    render,
    validate_template,
)

CONFIRM_VALUES = {
    "number": "A042",
    "drink": "large oat flat white",
    "name": "Sam",
    "station": "Station 2",
    "location": "(near the east doors)",
    "wait": 6,
}


def test_gsm7_segments() -> None:
    assert measure("a" * 160).segments == 1
    assert measure("a" * 161).segments == 2
    assert measure("a" * 306).segments == 2
    assert measure("a" * 307).segments == 3
    # escape-table characters cost two septets each
    info = measure("€" * 80)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", 160, 1)
    assert measure("€" * 81).segments == 2


def test_emoji_switches_to_ucs2() -> None:
    info = measure("Your latte is ready ☕")
    assert info.encoding == "UCS-2"
    assert measure("a" * 69 + "☕").segments == 1
    assert measure("a" * 70 + "☕").segments == 2
    # a surrogate-pair emoji counts two UTF-16 units
    assert measure("😀").units == 2


def test_curly_quotes_do_not_force_ucs2() -> None:
    assert measure(to_gsm_friendly("It’s “ready” – enjoy…")).encoding == "GSM-7"


def test_default_templates_are_valid_and_fit_one_segment() -> None:
    templates = load_default_templates()
    for name, text in templates.templates.items():
        validate_template(text)
        values = {p: "Station 2" if p == "station" else "x" for p in placeholders_in(text)}
        assert measure(render(text, values).text).single, name
    confirmation = templates.render("confirmation", CONFIRM_VALUES)
    assert confirmation.text == (
        "Order #A042 confirmed: large oat flat white for Sam. Station 2 (near the east doors). "
        "About 6 min. Reply STATUS anytime."
    )
    assert confirmation.segments.single


def test_optional_tail_only_when_it_costs_no_segment() -> None:
    templates = load_default_templates()
    short = templates.render(
        "ready",
        {"name": "Sam", "drink": "latte", "station": "Station 2", "number": "A042"},
        optional_tail=["Coffee by Acme."],
    )
    assert short.text.endswith("Coffee by Acme.")
    long_tail = "Brought to you by " + "a very generous sponsor " * 5
    full = templates.render("confirmation", CONFIRM_VALUES, optional_tail=[long_tail])
    assert "sponsor" not in full.text
    assert full.segments.single


def test_customer_values_are_flattened_to_plain_text() -> None:
    hostile = "Sam\n\r\x00<img src=x onerror=alert(1)>" + "x" * 200
    value = plain(hostile)
    assert "\n" not in value and "\x00" not in value
    assert len(value) <= 60
    out = render("Hi {name}!", {"name": hostile}).text
    assert out.startswith("Hi Sam <img src=x")  # shown literally, never interpreted


def test_missing_values_render_empty() -> None:
    assert render("Order #{number} {location}.", {"number": "A001"}).text == "Order #A001."


@pytest.mark.parametrize("bad", ["Hi {nmae}", "Hi {0}", "Hi {", "Hi {}"])
def test_bad_templates_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_template(bad)
    assert info.value.field == "template"


def test_every_default_placeholder_is_known() -> None:
    for text in load_default_templates().templates.values():
        assert placeholders_in(text) <= PLACEHOLDERS


def test_overrides_validate() -> None:
    templates = load_default_templates()
    custom = templates.with_overrides({"ready": "{name}: #{number} is up!"})
    assert custom.render("ready", {"name": "Jo", "number": "A007"}).text == "Jo: #A007 is up!"
    with pytest.raises(ValidationError):
        templates.with_overrides({"ready": "{oops}"})
