"""Station numbers and customer names, found in the tokens before the order is read.

Both mark the tokens they use so the order grammar never sees them: "for station 2" is not two
sugars, and "for Mocha" (a name) is not a drink.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
_FROM_MARKERS: tuple[tuple[str, ...], ...] = (("from",),)


def _by_first(markers: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The markers of a group by their first word, in the group's order."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for marker in markers:
        out[marker[0]] = (*out.get(marker[0], ()), marker)
    return out


# A marker can only match where a text has its first word: only those are tried.
_BY_FIRST = {
    markers: _by_first(markers)
    for markers in (_EXPLICIT_MARKERS, _SELF_MARKERS, _WEAK_MARKERS, _FROM_MARKERS)
}
_THANKS = frozenset({"thanks", "thank", "thx", "ta", "cheers", "thankyou", "ty"})
_BREAKS = frozenset({"sep", "dash", "colon", "q", "at"})
_NEVER_NAMES = W.NAME_STOP | W.COMMON | W.OPT_OUT | W.OPT_IN | W.HELP_WORDS | W.STATION_WORDS


@functools.lru_cache(maxsize=4096)
def _is_greeting(key: str) -> bool:
    return _GREETING.fullmatch(key) is not None


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
    if _STATION_CUES.isdisjoint(keys):  # no station word, no "at", no "@": nothing to find
        return None
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


_STATION_CUES = W.STATION_WORDS | {"at", "@"}


def _leads(tok: Token, key: str) -> bool:
    return tok.kind == "at" or (tok.kind == "word" and key in W.STATION_LEADERS)


@dataclass(frozen=True)
class Names:
    """Who a text is from, and the friends it orders for: ``(index of the name's first token,
    name)``, with ``""`` for "for me"."""

    name: str | None
    friends: tuple[tuple[int, str], ...] = ()


_NO_NAMES = Names(None)


class NameFinder:
    """Finds the customer's name ("for Sam", "- Priya", "I'm Alex", "name: Kim", "Sam here",
    "cheers matt", "for me (Priya)") and the friends a text orders for ("a mocha for Ben").

    The sender's own name wins over a "for": in "latte for me and a mocha for Ben - Chris" the
    order is Chris's and Ben is a friend. A single "for Sam" with nobody else named is the
    customer's name, as it always was; several different ones are friends."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lex = lexicon

    def find(
        self, text: str, tokens: Sequence[Token], keys: Sequence[str], used: list[bool]
    ) -> Names:
        if not tokens:
            return _NO_NAMES
        mixed = text != text.lower() and text != text.upper()
        if _MARKER_STARTS.isdisjoint(keys):
            return Names(self._find_unmarked(text, tokens, keys, used, mixed))
        starts = [i for i, key in enumerate(keys) if key in _MARKER_STARTS]
        if not starts:
            return Names(self._find_unmarked(text, tokens, keys, used, mixed))
        own = None
        for markers, strong in _MARKER_GROUPS[:2]:
            own = own or self._marked(markers, strong, starts, tokens, keys, used, mixed)
        own = own or self._me_paren(tokens, keys, used, mixed)
        fors: list[tuple[int, str]] = []
        for i in starts:
            if keys[i] != "for" or used[i] or i + 1 >= len(tokens):
                continue
            if keys[i + 1] == "me" and not used[i + 1]:
                fors.append((i + 1, ""))
                continue
            found = self._take(tokens, keys, used, i + 1, False, mixed, expected=True)
            if found:
                fors.append((i + 1, found))
        named = {n for _, n in fors if n}
        if own is None and len(fors) == 1 and named:
            return Names(named.pop())  # "latte for Sam": Sam is who we text
        if own is None:
            own = self._marked(_FROM_MARKERS, False, starts, tokens, keys, used, mixed)
        own = own or self._find_unmarked(text, tokens, keys, used, mixed)
        if own is None and len(named) == 1 and all(n for _, n in fors):
            return Names(named.pop())  # "flat white for Sam, " * 3: still just Sam
        friends = tuple((i, n) for i, n in fors if n != own)
        return Names(own, friends if any(n for _, n in friends) else ())

    def _marked(
        self,
        markers: tuple[tuple[str, ...], ...],
        strong: bool,
        starts: list[int],
        tokens: Sequence[Token],
        keys: Sequence[str],
        used: list[bool],
        mixed: bool,
    ) -> str | None:
        by_first = _BY_FIRST[markers]
        for i in starts:
            for marker in by_first.get(keys[i], ()):
                end = i + len(marker)
                if tuple(keys[i:end]) == marker and not any(used[i:end]):
                    while end < len(tokens) and tokens[end].kind in ("colon", "dash"):
                        end += 1
                    found = self._take(tokens, keys, used, end, strong, mixed, expected=True)
                    if found:
                        return found
                    break
        return None

    def _me_paren(
        self, tokens: Sequence[Token], keys: Sequence[str], used: list[bool], mixed: bool
    ) -> str | None:
        """ "a cap for me (Priya)": the name in brackets after "me"."""
        if "me" not in keys:
            return None
        for i, key in enumerate(keys[:-2]):
            if key == "me" and tokens[i + 1].raw in ("(", "[", "-", ","):
                found = self._take(tokens, keys, used, i + 2, True, mixed, expected=True)
                if found:
                    return found
        return None

    def _find_unmarked(
        self,
        text: str,
        tokens: Sequence[Token],
        keys: Sequence[str],
        used: list[bool],
        mixed: bool,
    ) -> str | None:
        n = len(tokens)
        # "Sam here", "Priya - latte", "Kim: flat white" at the start (after a greeting).
        for i in range(min(3, n - 1)):
            if i > 0 and not (tokens[i - 1].kind in _BREAKS or _is_greeting(keys[i - 1])):
                continue
            if keys[i + 1] == "here" or (tokens[i + 1].kind in ("dash", "colon") and i + 2 < n):
                found = self._take(tokens, keys, used, i, False, mixed, single=True)
                if found:
                    return found
        # "Large latte, Sam" / "latte - Priya" / "latte thanks Sam" / "cheers matt": the last
        # words; capitalised, unless a thank-you comes right before them.
        last = n - 1
        while last >= 0 and tokens[last].kind in _BREAKS:
            last -= 1
        if last < 1:
            return None

        def thanked(j: int) -> bool:
            k = j - 1
            while k > 0 and tokens[k].kind == "sep" and tokens[k].raw == ",":
                k -= 1
            return k >= 0 and keys[k] in _THANKS

        def after_break(j: int) -> bool:
            return j > 0 and (tokens[j - 1].kind in ("sep", "dash") or keys[j - 1] in _THANKS)

        if thanked(last) or (last > 1 and thanked(last - 1)):
            first = last if thanked(last) else last - 1
            found = self._take(tokens, keys, used, first, True, mixed, expected=True)
            if found:
                return found
        if not mixed:
            return None
        glued = tokens[last - 1].raw == "," and f",{tokens[last].raw}" in text
        if glued and self._take(tokens, keys, used, last, True, mixed, single=True):
            return _tidy(tokens[last].raw)  # "Large latte,sam": a comma and no space
        pair = after_break(last - 1) and self._is_name(tokens, keys, used, last - 1, False, mixed)
        if pair and self._is_name(tokens, keys, used, last, False, mixed):
            return self._take(tokens, keys, used, last - 1, False, mixed)
        if after_break(last):
            return self._take(tokens, keys, used, last, False, mixed, single=True, expected=True)
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
        expected: bool = False,
    ) -> str | None:
        if not self._is_name(tokens, keys, used, j, strong, mixed, expected):
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
        expected: bool = False,
    ) -> bool:
        if j >= len(tokens) or used[j] or tokens[j].kind != "word":
            return False
        raw, key = tokens[j].raw, tokens[j].key
        if not 2 <= len(key) <= 20 or not key.isalpha():
            return False
        if mixed and not raw[:1].isupper() and not strong:
            return False
        # "latte for Will", "Flat white for Mac": written like a name where one is expected.
        if expected and key in W.NAME_WORDS and (strong or (mixed and raw[:1].isupper())):
            return True
        if key in _NEVER_NAMES or _is_greeting(key):
            return False
        lex = self._lex
        return not ((key,) in lex.phrases or lex.is_menu_word(key) or lex.is_menu_word(keys[j]))


def _tidy(raw: str) -> str:
    """Names written all lower or all upper case are shown capitalised, each part of a
    hyphenated or O'-name too ("SARAH-JANE" is Sarah-Jane, "o'neil" is O'Neil)."""
    if not (raw.islower() or raw.isupper()):
        return raw
    parts = raw.lower().split("-")
    return "-".join(_cap(p) for p in parts)


def _cap(part: str) -> str:
    head, sep, tail = part.partition("'")
    if sep and len(head) == 1:
        return head.upper() + sep + tail.capitalize()
    return part.capitalize()
