"""What a name may contain: the one check every name field uses (event, station, staff, stock
item, device, customer on a walk-in...), and the mDNS-safe form of a name.

A name is shown on screens, printed in texts and announced on the network (the mDNS instance
name, where zeroconf refuses ASCII control characters: one stored ``"Coffee\\x01Bar"`` used to
stop every later start). So names refuse control and formatting characters: C0/C1 controls,
line and paragraph separators, lone surrogates, private-use code points and invisible format
characters such as bidirectional overrides (which make a name read differently from what it
is). The zero-width joiners stay allowed: emoji sequences and several scripts need them.
"""

from __future__ import annotations

import unicodedata

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ


def is_refused(char: str) -> bool:
    """Whether ``char`` may not appear in a name."""
    return char not in _JOINERS and unicodedata.category(char) in _REFUSED_CATEGORIES


def check_name(value: str) -> str:
    """``value`` unchanged, or ``ValueError`` naming the first refused character (pydantic
    turns it into a 422 naming the field)."""
    for char in value:
        if is_refused(char):
            raise ValueError(
                f"must not contain control or invisible formatting characters (U+{ord(char):04X})"
            )
    return value


def printable(value: str) -> str:
    """``value`` with every refused character replaced by a space and runs of spaces folded:
    for text that is already stored (a name saved before the check existed)."""
    cleaned = "".join(" " if is_refused(c) else c for c in value)
    return " ".join(cleaned.split())
