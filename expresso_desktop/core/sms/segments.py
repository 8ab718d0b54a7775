"""How many SMS segments a text costs: GSM-7 (160/153 septets) or UCS-2 (70/67 code units).

One character outside the GSM 03.38 alphabet (an emoji, a curly quote) switches the whole
message to UCS-2, which more than halves the room per segment.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters reached through the escape table: each costs two septets.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

# Common look-alikes that needlessly force UCS-2; safe to replace in text we compose.
_GSM_SUBSTITUTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "•": "-",
        "×": "x",  # "3× latte" would turn the whole text into UCS-2
    }
)


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def single(self) -> bool:
        return self.segments <= 1


GSM7_ALL = GSM7_BASIC | GSM7_EXTENDED


def is_gsm7(text: str) -> bool:
    return GSM7_ALL.issuperset(text)


def to_gsm_friendly(text: str) -> str:
    """Replace typographic look-alikes with their GSM-7 twins (does not touch emoji)."""
    return text.translate(_GSM_SUBSTITUTES)


def measure(text: str) -> SegmentInfo:
    if is_gsm7(text):
        single, multi, enc = 160, 153, "GSM-7"
        wide = not GSM7_EXTENDED.isdisjoint(text)
        units = len(text) + (sum(ch in GSM7_EXTENDED for ch in text) if wide else 0)
    else:  # UTF-16 code units: a character beyond the BMP is a surrogate pair
        single, multi, enc = 70, 67, "UCS-2"
        units = len(text.encode("utf-16-le", "surrogatepass")) // 2
        wide = units > len(text)
    if units <= single:
        return SegmentInfo(enc, units, 1)
    if not wide:  # every character one unit: whole parts
        return SegmentInfo(enc, units, -(-units // multi))
    if enc == "GSM-7":
        widths = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    else:
        widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    # A two-unit character (an escape-table character, a surrogate pair) is never split across
    # two parts of a long message: when it does not fit, the part ends one unit short.
    segments, room = 1, multi
    for width in widths:
        if width > room:
            segments, room = segments + 1, multi
        room -= width
    return SegmentInfo(enc, units, segments)
