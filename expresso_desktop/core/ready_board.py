"""What the public sees and hears of a ready order: its number and the customer's first name.

The ready board's tiles (``A042 Sam``) and the station's spoken call-out (``Order A042, Sam``)
are read by everyone standing near the pickup point, so they carry the first name only, never
a digit of whatever else the customer typed as a name (a phone number, a table number): the
name a customer gives is free text (``sam 0412 345 678``, ``Dr. Sam Lee``).
"""

from __future__ import annotations

import re
import unicodedata

from expresso_desktop.core.text import printable

MAX_NAME = 16  # characters of a first name shown or spoken: a board tile has room for ~12
# A run of letters, with an apostrophe or hyphen inside it ("Mary-Jane", "O'Brien"): no digit,
# no underscore, no other punctuation.
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")


def first_name(name: str | None) -> str:
    """The first run of letters in ``name``, capitalised when typed all in lower case:
    ``"sam 0412 345 678"`` → ``"Sam"``, ``"0412345678"`` → ``""``, ``"(Ana)"`` → ``"Ana"``,
    ``"Mary-Jane Lee"`` → ``"Mary-Jane"``, ``"deVries"`` stays as typed."""
    found = _WORD.search(unicodedata.normalize("NFC", printable(name or "")))
    if found is None:
        return ""
    word = found.group(0)[:MAX_NAME]
    return word[0].upper() + word[1:] if word.islower() else word


def tile_text(number: str | None, name: str | None) -> str:
    """A board tile: ``"A042 Sam"``; the number alone without a name; the name alone for a
    walk-in the organiser has not numbered yet."""
    return " ".join(part for part in (number or "", first_name(name)) if part) or "Order ready"


def callout_text(number: str | None, name: str | None) -> str:
    """What a station says when an order becomes ready: ``"Order A042, Sam"``."""
    who = first_name(name)
    if number and who:
        return f"Order {number}, {who}"
    if number:
        return f"Order {number}"
    return f"Order for {who}" if who else "An order is ready"
