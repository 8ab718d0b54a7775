"""Station numbers and names, found before the order is read, and the tokens they claim."""

from __future__ import annotations

import pytest

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.core.sms.extract import NameFinder, find_station
from expresso_desktop.core.sms.lexicon import Lexicon, tokenise

LEXICON = Lexicon(load_default_menu())
NAMES = NameFinder(LEXICON)


def extract(text: str) -> tuple[int | None, str | None, list[str]]:
    """The station, the name, and the raw tokens both claimed (hidden from the order grammar)."""
    tokens = tokenise(text)
    keys = [LEXICON.correct(t.key) if t.kind == "word" else t.key for t in tokens]
    used = [False] * len(tokens)
    station = find_station(tokens, keys, used)
    name = NAMES.find(text, tokens, keys, used).name
    return station, name, [t.raw for t, u in zip(tokens, used, strict=True) if u]


@pytest.mark.parametrize(
    ("text", "station", "claimed"),
    [
        ("latte for station 2", 2, ["for", "station", "2"]),
        ("latte at station two", 2, ["at", "station", "two"]),
        ("latte @ stn 3", 3, ["@", "stn", "3"]),
        ("latte @12", 12, ["@", "12"]),
        ("latte at 2", 2, ["at", "2"]),
        ("latte stattion 4", 4, ["stattion", "4"]),  # a typo in "station" still counts
    ],
)
def test_a_station_and_only_its_words_are_claimed(
    text: str, station: int, claimed: list[str]
) -> None:
    assert extract(text)[0] == station
    assert extract(text)[2] == claimed


@pytest.mark.parametrize(
    "text",
    [
        "latte at 2pm",  # a time
        "latte at 2:30",
        "latte at 12",  # "at" + two digits reads as a time, "@" does not
        "latte station 1000",  # past the largest station number
        "2 lattes",  # a quantity
        "latte with 2 sugars",
    ],
)
def test_times_quantities_and_sugars_are_not_stations(text: str) -> None:
    station, _, claimed = extract(text)
    assert station is None
    assert claimed == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("latte for Sam", "Sam"),
        ("LATTE FOR SAM", "Sam"),  # all capitals: shown capitalised
        ("my name is kim, latte", "Kim"),  # after "name is" lower case is still a name
        ("name: Kim", "Kim"),
        ("Im Alex, latte", "Alex"),
        ("Sam here, latte", "Sam"),
        ("hi Hilary here", "Hilary"),  # starts like a greeting, is a name
        ("latte - Priya", "Priya"),
        ("Large latte, Sam", "Sam"),
        ("latte thanks Sam Smith", "Sam Smith"),
        ("flat white for station 2 for Sam", "Sam"),
        ("latte for <b>Sam</b>", "Sam"),  # markup is gone, the name is not
    ],
)
def test_names(text: str, name: str) -> None:
    assert extract(text)[1] == name


@pytest.mark.parametrize(
    "text",
    [
        "I am starving, latte",  # a mixed-case text: a self-marker needs a capital
        "latte for the team",
        "latte for me",
        "latte for station 2",  # "station" is never the name
        "latte for Mocha",  # a drink on the menu is not a name
        "Latte, Oat",
        "latte for 2",
    ],
)
def test_words_that_are_not_names(text: str) -> None:
    assert extract(text)[1] is None


def test_a_name_claims_its_tokens_so_the_grammar_never_reads_it_as_a_drink() -> None:
    assert extract("Hi it's Supriya, flat white")[2] == ["Supriya"]
    station, name, claimed = extract("Sam - large latte @ station 3")
    assert (station, name) == (3, "Sam")
    assert claimed == ["Sam", "@", "station", "3"]
