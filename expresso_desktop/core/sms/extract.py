"""Station numbers and customer names, found in the tokens before the order is read.

Both mark the tokens they use so the order grammar never sees them: "for station 2" is not two
sugars, and "for Mocha" (a name) is not a drink.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from expresso_desktop.core.sms import words as W
from expresso_desktop.core.sms.lexicon import Lexicon, Token

MAX_STATION = 999
_GREETING = re.compile(rf"(?:{W.GREETING_RE})")
# Markers before a name, longest first, most explicit first. After "name is" a lower-case word
# is still a name; after the others, in a text that uses capitals, the name must have one too
# ("I'm Alex" is a name, "I'm starving" is not).
_EXPLICIT_MARKERS: tuple[tuple[str, ...], ...] = (
    ("my", "name", "is"),
    ("my", "names"),
    ("name", "is"),
    ("names",),
    ("name",),
    ("call", "me"),
)
_SELF_MARKERS: tuple[tuple[str, ...], ...] = (
    ("i", "am"),
    ("im",),
    ("it", "is"),
    ("its",),
    ("this", "is"),
)
_WEAK_MARKERS: tuple[tuple[str, ...], ...] = (("for",), ("from",))
_MARKER_GROUPS = ((_EXPLICIT_MARKERS, True), (_SELF_MARKERS, False), (_WEAK_MARKERS, False))
_MARKER_STARTS = frozenset(m[0] for group, _ in _MARKER_GROUPS for m in group)
_THANKS = frozenset({"thanks", "thank", "thx", "ta", "cheers", "thankyou", "ty"})
_BREAKS = frozenset({"sep", "dash", "colon", "q", "at"})


def number_at(tokens: Sequence[Token], j: int) -> int | None:
    if j >= len(tokens):
        return None
    tok = tokens[j]
    if tok.kind == "num":
        value = tok.value
    elif tok.kind == "word" and tok.key in W.NUMBER_WORDS:
        value = W.NUMBER_WORDS[tok.key]
    else:
        return None
    return value if 0 <= value <= MAX_STATION else None


def find_station(tokens: Sequence[Token], keys: Sequence[str], used: list[bool]) -> int | None:
    """Find "station 2", "stn 3", "@ station 1", "station two", "@2"; "at 2" only when it can't
    be a time (a single digit with nothing time-like after it)."""
    n = len(tokens)
    for i in range(n):
        if tokens[i].kind != "word" or keys[i] not in W.STATION_WORDS:
            continue
        j = i + 1
        while j < n and (keys[j] in W.STATION_NUMBER_FILLERS or tokens[j].raw in (".", ":")):
            j += 1
        value = number_at(tokens, j)
        if value is not None:
            start = i
            while start > 0 and start > i - 2 and _leads(tokens[start - 1], keys[start - 1]):
                start -= 1
            used[start : j + 1] = [True] * (j + 1 - start)
            return value
    for i in range(n - 1):
        at_sign = tokens[i].kind == "at"
        if not (at_sign or keys[i] == "at"):
            continue
        value = number_at(tokens, i + 1)
        if value is None or (not at_sign and not 1 <= value <= 9):
            continue
        if i + 2 < n:
            after = tokens[i + 2]
            if after.kind in ("colon", "num") or after.raw == "." or keys[i + 2] in _TIME_AFTER:
                continue
        used[i : i + 2] = [True, True]
        return value
    return None


_TIME_AFTER = frozenset(
    {"am", "pm", "oclock", "o", "ish", "mins", "min", "minutes", "hours", "thirty", "fifteen"}
)


def _leads(tok: Token, key: str) -> bool:
    return tok.kind == "at" or (tok.kind == "word" and key in W.STATION_LEADERS)


class NameFinder:
    """Finds the customer's name: "for Sam", "- Priya", "I'm Alex", "name: Kim", "Sam here"."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lex = lexicon

    def find(
        self, text: str, tokens: Sequence[Token], keys: Sequence[str], used: list[bool]
    ) -> str | None:
        mixed = text != text.lower() and text != text.upper()
        starts = [i for i, key in enumerate(keys) if key in _MARKER_STARTS]
        for markers, strong in _MARKER_GROUPS:
            for i in starts:
                for marker in markers:
                    end = i + len(marker)
                    if tuple(keys[i:end]) == marker and not any(used[i:end]):
                        while end < len(tokens) and tokens[end].kind in ("colon", "dash"):
                            end += 1
                        found = self._take(tokens, keys, used, end, strong, mixed)
                        if found:
                            return found
                        break
        return self._find_unmarked(tokens, keys, used, mixed)

    def _find_unmarked(
        self, tokens: Sequence[Token], keys: Sequence[str], used: list[bool], mixed: bool
    ) -> str | None:
        n = len(tokens)
        # "Sam here", "Priya - latte", "Kim: flat white" at the start (after a greeting).
        for i in range(min(3, n - 1)):
            if i > 0 and not (tokens[i - 1].kind in _BREAKS or _GREETING.fullmatch(keys[i - 1])):
                continue
            if keys[i + 1] == "here" or (tokens[i + 1].kind in ("dash", "colon") and i + 2 < n):
                found = self._take(tokens, keys, used, i, False, mixed, single=True)
                if found:
                    return found
        # "Large latte, Sam" / "latte - Priya" / "latte thanks Sam": the last words, capitalised.
        last = n - 1
        while last >= 0 and tokens[last].kind in _BREAKS:
            last -= 1
        if last < 1 or not mixed:
            return None

        def after_break(j: int) -> bool:
            return j > 0 and (tokens[j - 1].kind in ("sep", "dash") or keys[j - 1] in _THANKS)

        pair = after_break(last - 1) and self._is_name(tokens, keys, used, last - 1, False, mixed)
        if pair and self._is_name(tokens, keys, used, last, False, mixed):
            return self._take(tokens, keys, used, last - 1, False, mixed)
        if after_break(last):
            return self._take(tokens, keys, used, last, False, mixed, single=True)
        return None

    def _take(
        self,
        tokens: Sequence[Token],
        keys: Sequence[str],
        used: list[bool],
        j: int,
        strong: bool,
        mixed: bool,
        single: bool = False,
    ) -> str | None:
        if not self._is_name(tokens, keys, used, j, strong, mixed):
            return None
        parts = [j]
        surname = not single and mixed and j + 1 < len(tokens) and tokens[j + 1].raw[:1].isupper()
        if surname and self._is_name(tokens, keys, used, j + 1, False, mixed):
            parts.append(j + 1)
        for k in parts:
            used[k] = True
        return " ".join(_tidy(tokens[k].raw) for k in parts)

    def _is_name(
        self,
        tokens: Sequence[Token],
        keys: Sequence[str],
        used: list[bool],
        j: int,
        strong: bool,
        mixed: bool,
    ) -> bool:
        if j >= len(tokens) or used[j] or tokens[j].kind != "word":
            return False
        raw, key = tokens[j].raw, tokens[j].key
        if not 2 <= len(key) <= 20 or not key.isalpha():
            return False
        if mixed and not raw[:1].isupper() and not strong:
            return False
        if key in W.NAME_STOP or key in W.COMMON or key in W.OPT_OUT or key in W.OPT_IN:
            return False
        if key in W.HELP_WORDS or key in W.STATION_WORDS or _GREETING.fullmatch(key):
            return False
        lex = self._lex
        return not ((key,) in lex.phrases or lex.is_menu_word(key) or lex.is_menu_word(keys[j]))


def _tidy(raw: str) -> str:
    """Names written all lower or all upper case are shown capitalised."""
    return raw.capitalize() if raw.islower() or raw.isupper() else raw
