"""The template editor's preview (sms/template_preview.py): a sample order rendered through the
real replies, with its segment count in GSM-7 or UCS-2."""

from __future__ import annotations

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.core.templates import load_default_templates
from expresso_desktop.sms.template_preview import preview

BUNDLED = load_default_templates()
MENU = load_default_menu()


def test_the_confirmation_is_a_sample_order_with_the_sponsor_when_it_fits() -> None:
    shown = preview(
        "confirmation",
        BUNDLED.get("confirmation"),
        bundled=BUNDLED,
        menu=MENU,
        event="Winter Expo",
        sponsor="Coffee by Bean Co.",
    )
    assert shown.text == (
        "Order #A042 confirmed: large oat latte for Sam. Station 2 (near the east doors). "
        "About 6 min. Reply STATUS anytime. Coffee by Bean Co."
    )
    assert (shown.segments.encoding, shown.segments.segments) == ("GSM-7", 1)
    assert not shown.sponsor_dropped
    assert shown.cost == f"1 SMS · GSM-7 · {len(shown.text)} of 160 characters"
    long_sponsor = preview(
        "confirmation",
        BUNDLED.get("confirmation"),
        bundled=BUNDLED,
        menu=MENU,
        event="Winter Expo",
        sponsor="x" * 60,
    )
    assert long_sponsor.sponsor_dropped and long_sponsor.segments.segments == 1


def test_an_emoji_switches_to_ucs2_and_a_long_text_costs_more_parts() -> None:
    emoji = preview(
        "ready",
        "☕ {name}, your {drink} is ready at {event}!",
        bundled=BUNDLED,
        menu=MENU,
        event="Expo",
    )
    assert emoji.text == "☕ Sam, your large oat latte is ready at Expo!"
    assert emoji.segments.encoding == "UCS-2"
    assert emoji.cost == f"1 SMS · UCS-2 · {len(emoji.text)} of 70 characters"
    menu = preview("menu", BUNDLED.get("menu"), bundled=BUNDLED, menu=MENU, event="Expo")
    assert "flat white" in menu.text and "oat" in menu.text  # the whole menu, not cut
    assert menu.segments.segments == 2 and menu.cost.startswith("2 SMS parts · GSM-7")


def test_an_invalid_template_names_its_problem() -> None:
    with pytest.raises(ValidationError, match=r"unknown placeholder\(s\): \{nmae\}"):
        preview("ready", "{nmae} is ready", bundled=BUNDLED, menu=MENU, event="Expo")
    with pytest.raises(ValidationError, match="braces don't match"):
        preview("ready", "{name is ready", bundled=BUNDLED, menu=MENU, event="Expo")
