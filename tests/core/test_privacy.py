"""Phone masking: what a screen or a log line may show of a customer's number."""

from __future__ import annotations

import re

import pytest

from expresso_desktop.core.privacy import mask_phone, mask_phones_in, normalise_e164, redact


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+61400123456", "+61 ••• ••• 456"),
        ("+61 400 123 456", "+61 ••• ••• 456"),  # spaced E.164: the same customer
        ("  +61400123456 ", "+61 ••• ••• 456"),
        ("+1 (555) 123-4567", "+15 ••• ••• 567"),  # punctuation never leaks through
        ("0400123456", "04 ••• ••• 456"),  # no "+" is not invented
        ("123456", "12 ••• ••• 456"),
    ],
)
def test_a_number_keeps_only_its_first_two_and_last_three_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("phone", "masked"), [("12345", "•••••"), ("1", "•"), ("+61", "••")])
def test_a_short_number_is_masked_completely(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", [None, "", "   ", "abc"])
def test_nothing_to_mask_shows_nothing(phone: str | None) -> None:
    assert mask_phone(phone) == ""


def test_two_customers_stay_apart_but_neither_number_can_be_read_back() -> None:
    first, second = mask_phone("+61400123456"), mask_phone("+61400999457")
    assert first != second
    for masked in (first, second):
        assert len(re.sub(r"\D", "", masked)) == 5


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("text from +61400123456: latte", "text from +61 ••• ••• 456: latte"),
        ("to +61 400 123 456 and +447700900123", "to +61 ••• ••• 456 and +44 ••• ••• 123"),
        ("bare 61400123456 in a line", "bare 61 ••• ••• 456 in a line"),
        ("a sentence ends with 61400123456.", "a sentence ends with 61 ••• ••• 456."),
        ("(61400123456)", "(61 ••• ••• 456)"),
    ],
)
def test_numbers_inside_log_lines_are_masked(line: str, expected: str) -> None:
    assert mask_phones_in(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "listening on 192.168.100.200:8443",
        "at 12:30:45 on 2024-05-01",
        "version 1.2345678901",
        "order A042 took 12345678 µs",  # 8 digits: not a phone
        "row_version 3, change 17",
    ],
)
def test_addresses_dates_times_and_short_numbers_stay_readable(line: str) -> None:
    assert mask_phones_in(line) == line


@pytest.mark.parametrize(
    ("sender", "phone"),
    [
        ("+61400000001", "+61400000001"),
        ("+61 400 000 001", "+61400000001"),  # spaced: the same customer
        (" +1 555-123-4567 ", "+15551234567"),
        ("+4474", None),  # too short
        ("+6140000000112345", None),  # 16 digits: longer than E.164 allows
        ("0400000001", None),  # national form: which country?
        ("+0400000001", None),
        ("😀", None),
        ("<script>", None),
        ("client:sam", None),
        ("whatsapp:+61400000001", None),
        ("   ", None),
        ("", None),
        ("+61\u00a0400000001", None),
        ("+６１400000001", None),  # full-width digits
    ],
)
def test_only_e164_numbers_are_phone_numbers(sender: str, phone: str | None) -> None:
    assert normalise_e164(sender) == phone


def test_redact_hides_sql_parameters_secrets_and_numbers() -> None:
    line = (
        "IntegrityError: UNIQUE constraint failed\n[SQL: INSERT INTO customers (phone, name) "
        "VALUES (?, ?)]\n[parameters: ('+61400123456', 'Sam [the] Barista')]\n"
        "account AC" + "a" * 32 + " and +61400999457"
    )
    assert redact(line) == (
        "IntegrityError: UNIQUE constraint failed\n[SQL: INSERT INTO customers (phone, name) "
        "VALUES (?, ?)]\n[parameters: hidden]\naccount AC… and +61 ••• ••• 457"
    )
