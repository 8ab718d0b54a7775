"""What the public sees and hears of a ready order: number and first name, never a phone."""

from __future__ import annotations

import re

import pytest

from expresso_desktop.core.ready_board import MAX_NAME, callout_text, first_name, tile_text


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Sam", "Sam"),
        ("sam 0412 345 678", "Sam"),
        ("+61412345678", ""),
        ("0412345678 Ana", "Ana"),
        ("(Ana)", "Ana"),
        ("Mary-Jane Lee", "Mary-Jane"),
        ("O'Brien", "O'Brien"),
        ("deVries", "deVries"),
        ("Jose\u0301", "José"),  # an accent typed as a second code point
        ("李华", "李华"),
        ("Øyvind42", "Øyvind"),
        ("<b>Li</b>", "B"),  # plain text: never read as markup
        ("Sam\u202eevil", "Sam"),  # a bidirectional override is no letter
        ("-- --", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_first_name_only(typed: str | None, shown: str) -> None:
    assert first_name(typed) == shown


def test_a_long_name_is_cut() -> None:
    assert first_name("Bartholomew-Alexander") == "Bartholomew-Alexander"[:MAX_NAME]


def test_tile_and_call_out() -> None:
    assert tile_text("A042", "sam +61 412 345 678") == "A042 Sam"
    assert callout_text("A042", "sam +61 412 345 678") == "Order A042, Sam"
    assert tile_text("A042", "0412 345 678") == "A042"
    assert callout_text("A042", None) == "Order A042"
    assert tile_text(None, "Ana") == "Ana"  # a walk-in not numbered yet
    assert callout_text(None, "Ana") == "Order for Ana"
    assert tile_text(None, None) == "Order ready"
    assert callout_text("", "") == "An order is ready"


@pytest.mark.parametrize("name", ["Sam 0412345678", "+61 412 345 678", "Li 4", "x1y2z3"])
def test_no_digit_of_a_name_reaches_the_public(name: str) -> None:
    for text in (tile_text("C017", name), callout_text("C017", name)):
        assert not re.search(r"\d", text.replace("C017", ""))
