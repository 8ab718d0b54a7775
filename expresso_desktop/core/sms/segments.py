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


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def to_gsm_friendly(text: str) -> str:
    """Replace typographic look-alikes with their GSM-7 twins (does not touch emoji)."""
    return text.translate(_GSM_SUBSTITUTES)


def measure(text: str) -> SegmentInfo:
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi, enc = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, enc = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return SegmentInfo(enc, units, max(segments, 1) if units else 1)
