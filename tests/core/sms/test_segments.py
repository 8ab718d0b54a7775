"""Segment counting at the edges: what a reply costs, and which alphabet it travels in."""

from __future__ import annotations

import pytest

from expresso_desktop.core.sms.segments import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    is_gsm7,
    measure,
    to_gsm_friendly,
)


def test_an_empty_text_is_one_gsm7_segment() -> None:
    info = measure("")
    assert (info.encoding, info.units, info.segments, info.single) == ("GSM-7", 0, 1, True)


@pytest.mark.parametrize(
    ("length", "segments"), [(160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_parts_hold_160_alone_and_153_once_split(length: int, segments: int) -> None:
    info = measure("a" * length)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", length, segments)
    assert info.single is (segments == 1)


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_parts_hold_70_alone_and_67_once_split(length: int, segments: int) -> None:
    info = measure("ç" * length)  # small "ç" is not in GSM-7 (capital "Ç" is)
    assert (info.encoding, info.units, info.segments) == ("UCS-2", length, segments)


def test_accented_letters_in_the_gsm_alphabet_keep_gsm7() -> None:
    assert measure("José, café, Ñandu, Ärger, Çedille, Møller").encoding == "GSM-7"
    assert measure("Zoë").encoding == "UCS-2"  # "ë" is not in the GSM alphabet
    assert measure("Ñandú").encoding == "UCS-2"  # nor is "ú"
    assert not is_gsm7("ç") and is_gsm7("Ç")


def test_one_character_outside_gsm7_switches_the_whole_text() -> None:
    text = "a" * 100
    assert measure(text).segments == 1
    assert measure(text + "’").segments == 2  # a curly apostrophe costs a whole segment
    assert measure(to_gsm_friendly(text + "’")).segments == 1


@pytest.mark.parametrize("ch", sorted(GSM7_EXTENDED))
def test_escape_table_characters_cost_two_septets(ch: str) -> None:
    assert measure(ch).units == 2
    assert measure("a" * 158 + ch).segments == 1
    assert measure("a" * 159 + ch).segments == 2


def test_an_escape_pair_is_never_split_across_two_parts() -> None:
    # 152 + 2 + 152 = 306 septets would fill two parts exactly, but the escape pair cannot start
    # in the last septet of part one: it moves to part two, which then overflows into a third.
    straddling = "a" * 152 + "€" + "a" * 152
    assert measure(straddling).units == 306
    assert measure(straddling).segments == 3
    aligned = "a" * 151 + "€" + "a" * 153
    assert measure(aligned).segments == 2


def test_a_surrogate_pair_is_never_split_across_two_parts() -> None:
    assert measure("😀").units == 2 and measure("😀").encoding == "UCS-2"
    straddling = "a" * 66 + "😀" + "a" * 66  # 134 units: two parts only if the emoji split
    assert measure(straddling).units == 134
    assert measure(straddling).segments == 3
    assert measure("a" * 65 + "😀" + "a" * 67).segments == 2
    assert measure("☕" * 70).segments == 1  # U+2615 is in the BMP: one unit each


def test_gsm_friendly_replaces_look_alikes_but_not_emoji() -> None:
    assert to_gsm_friendly("It’s “ready” – enjoy… • now\u00a0!") == (
        'It\'s "ready" - enjoy... - now !'
    )
    assert to_gsm_friendly("ready ☕") == "ready ☕"


def test_the_alphabet_tables_do_not_overlap() -> None:
    assert not GSM7_BASIC & GSM7_EXTENDED
    assert len(GSM7_BASIC) == 128  # GSM 03.38 basic table: 128 characters
