"""Words to lexemes: normalising and tokenising a text, typo correction, and phrase lookup.

A ``Lexicon`` is built once per menu. It holds a phrase table keyed by token tuples (menu names and
synonyms, plus the glue words of ``sms_words``) and a deletion index for typo correction against
the menu's own vocabulary only: edit distance 1 for words of 5+ letters, 2 for 8+, never for short
words and never for common English words or names of drinks this menu lacks. Inside a multi-word
menu phrase whose first word is exact, the other words may be one edit off whatever their length
("flat whte", "long blak").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.sms import words as W

MAX_CHARS = 1000  # a text is cut here before anything else: cost stays bounded
MAX_TOKENS = 250
_BIG = 10_000  # larger written numbers are clamped to this (int() of 5000 digits raises)
MAX_COUNT = 99  # the largest number that can be a quantity

_DASH_IN_WORD = re.compile(r"(?<=[^\W\d_])[-‐‑–](?=[^\W\d_])")
_W_SLASH = re.compile(r"\bw/", re.IGNORECASE)
# A script or style element goes with its content ("<script>alert(1)</script>" is no "Alert");
# other markup is cut out and its text kept ("<b>Sam</b>" is Sam).
_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]{0,200}>.*?(?:<\s*/\s*\1\s*>|$)", re.I | re.S)
_MARKUP = re.compile(r"<[^<>]{0,200}>")
_CALL = re.compile(r"[^\W\d_]+\([^()]{0,80}\)")  # "alert(1)" next to markup is code, not a name
_TIMES_SIGN = re.compile(r"[×*]")
# "1/2 strength", "½ strength": a fraction is "half", never a quantity of 2.
_HALF = re.compile(r"(?<![\d/⁄])(?:1\s*[/⁄]\s*2|½)(?![\d/⁄])")
_TOKEN_PARTS = (
    r"\d+(?:\.\d+)?",  # 1 number
    r"[^\W\d_]+(?:['’`-][^\W\d_]+)*",  # 2 word, with inner apostrophes (and name hyphens)
    r"[-‐‑–—~]+",  # 3 dash
    r"@",  # 4
    r"\?",  # 5
    r":",  # 6
    r"[,;&+/|.!\n()\[\]]",  # 7 separator
)
_TOKEN = re.compile("|".join(f"({part})" for part in _TOKEN_PARTS))
_KINDS = (None, "num", "word", "dash", "at", "q", "colon", "sep")
# The same alternatives without groups: ``findall`` then yields the matched strings themselves.
_TOKEN_TEXT = re.compile("|".join(_TOKEN_PARTS))
_TOKEN_CACHE: dict[str, Token] = {}
_TOKEN_CACHE_MAX = 20_000
_ALNUM = frozenset({"num", "word", "glued"})
# A letter glued to a digit ("VIP7", "2x"). Written to start at the digit: a search then only
# stops at digits, instead of trying both branches at every letter (five times faster).
GLUED = re.compile(r"\d(?:(?<=[^\W\d_]\d)|(?=[^\W\d_]))")
_GLUED_PARTS = re.compile(r"\d+|[^\W\d_]+")
_APOSTROPHES = str.maketrans("", "", "'’`-")
_REPEATS = re.compile(r"([a-z])\1{2,}")


class Token(NamedTuple):
    kind: str  # "word" | "num" | "dash" | "at" | "q" | "colon" | "sep"
    raw: str  # as written (for names)
    key: str  # lower-case, accent-free, no apostrophes
    value: int = 0  # numbers


class Lex(NamedTuple):
    kind: str  # one of the kinds in sms_words
    value: str | int = ""
    weak: bool = False  # "a"/"an" as a quantity; "late" as a latte
    mult: bool = False  # a quantity written "x2" / "2x"
    alt: str = ""  # AMBIG: the milk reading (value holds the drink reading)


SEP_TOKEN = Token("sep", "", "")
# Shared lexemes (they are immutable): numbers that can be quantities, separators, codes.
_NUM_LEXES = tuple(Lex(W.NUM, n) for n in range(MAX_COUNT + 1))
_NUMBER_OTHER = Lex(W.OTHER, "number")
_CODE_OTHER = Lex(W.OTHER, "code")
_SEP_LEXES = {kind: Lex(W.SEP, kind) for kind in ("sep", "dash", "at", "q", "colon", "glued")}


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=8192)
def _word_key(raw: str) -> str:
    key = strip_accents(raw.lower().translate(_APOSTROPHES))
    return _REPEATS.sub(r"\1\1", key) if len(key) > 3 else key


def tokenise(text: str) -> list[Token]:
    """Cut a text (at most ``MAX_CHARS``) into tokens; anything unrecognised is dropped."""
    return scan(text)[0]


def scan(text: str) -> tuple[list[Token], bool]:
    """``tokenise``, and whether any token is letters glued to digits (kind ``"glued"``)."""
    text = text[:MAX_CHARS]
    if text.isascii() and text.replace(" ", "").isalpha():
        # Only letters and spaces (most texts): nothing to normalise, one word per gap.
        cache = _TOKEN_CACHE
        words = [cache.get(raw) or _new_token(raw) for raw in text.split(" ") if raw]
        return (words if len(words) <= MAX_TOKENS else words[:MAX_TOKENS]), False
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "<" in text:
        text = _SCRIPT.sub(" ", text)
        text = _MARKUP.sub(" ", text)  # "<img src=x>" is not a customer called Img
        text = _CALL.sub(" ", text)
    if "/" in text or "½" in text or "⁄" in text:
        text = _HALF.sub(" half ", text)
        text = _W_SLASH.sub("with ", text)
    if "*" in text or "×" in text:
        text = _TIMES_SIGN.sub(" x ", text)
    if not text.isascii() or "-" in text:
        text = _DASH_IN_WORD.sub(_dash, text)
    if GLUED.search(text) is None:
        return _plain_tokens(text), False
    out: list[Token] = []
    end = -1
    glued = False
    for m in _TOKEN.finditer(text):
        kind = _KINDS[m.lastindex or 0] or "sep"
        raw = m.group()
        if kind in _ALNUM and m.start() == end and out[-1].kind in _ALNUM:
            # letters glued to digits ("VIP7", "2x", "lattex4"): one token, read by the parser
            raw = out.pop().raw + raw
            out.append(Token("glued", raw, raw.lower()))
            glued = True
        elif kind == "word":
            out.append(Token(kind, raw, _word_key(raw)))
        elif kind == "num":
            out.append(_number(raw))
        else:
            out.append(Token(kind, raw, raw))
        end = m.end()
        if len(out) >= MAX_TOKENS:
            break
    return out, glued


def _plain_tokens(text: str) -> list[Token]:
    """The common case, no letters glued to digits: one token per match. A token is a pure
    function of the matched string, so each distinct one is built once and then shared."""
    cache = _TOKEN_CACHE
    out = [cache.get(raw) or _new_token(raw) for raw in _TOKEN_TEXT.findall(text)]
    return out if len(out) <= MAX_TOKENS else out[:MAX_TOKENS]


def _new_token(raw: str) -> Token:
    m = _TOKEN.fullmatch(raw)
    kind = _KINDS[m.lastindex or 0] if m else None
    if kind == "word":
        token = Token("word", raw, _word_key(raw))
    elif kind == "num":
        token = _number(raw)
    else:
        token = Token(kind or "sep", raw, raw)
    if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
        _TOKEN_CACHE.clear()
    _TOKEN_CACHE[raw] = token
    return token


def _number(raw: str) -> Token:
    whole = raw.split(".")[0]
    return Token("num", raw, raw, int(whole) if len(whole) <= 4 else _BIG)


def _dash(m: re.Match[str]) -> str:
    """A hyphen between two capitalised parts is a name's ("Sarah-Jane"); any other joins two
    words ("oat-milk")."""
    text, at = m.string, m.start()
    if text[at + 1].isupper():
        start = at
        while start > 0 and text[start - 1].isalpha():
            start -= 1
        if text[start].isupper():
            return "-"
    return " "


def split_glued(token: Token) -> list[Token]:
    """The parts of letters glued to digits ("2x", "lattex4", "station2", "5mins")."""
    out = []
    for part in _GLUED_PARTS.findall(token.raw):
        out.append(_number(part) if part.isdigit() else Token("word", part, _word_key(part)))
    return out


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    ch: "".join(
        other
        for r2, other_row in enumerate(_ROWS)
        for c2, other in enumerate(other_row)
        if other != ch and abs(r2 - r) <= 1 and abs(c2 - c) <= 1
    )
    for r, row in enumerate(_ROWS)
    for c, ch in enumerate(row)
}
_SOUND_RULES = (
    (re.compile(r"(?:ay|ey|ee|ei|eh|ae|e)$"), "e"),  # "lattay", "lattee": a final "eh"
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?:ck|ch|cc|c|q)"), "k"),  # "moka", "cappuchino"
    (re.compile(r"(?<=[aeiou])r(?=[^aeiouy]|$)"), ""),  # "larte", "latter": a silent r
    (re.compile(r"(.)\1+"), r"\1"),
)


def sound_key(word: str) -> str:
    """A rough key of how a word sounds (non-rhotic English): "larte", "latter", "lattay" and
    "latte" share one; so do "moka" and "mocha"."""
    for pattern, repl in _SOUND_RULES:
        word = pattern.sub(repl, word)
    return word


def words_of(phrase: str) -> tuple[str, ...]:
    return tuple(t.key for t in tokenise(phrase) if t.kind in ("word", "num"))


def osa_distance(a: str, b: str, limit: int) -> int:
    """Damerau (optimal string alignment) distance, or ``limit + 1`` once it must exceed it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, before[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        before, prev = prev, cur
    return prev[-1]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class Lexicon:
    """Phrase table and typo corrector for one menu."""

    FUZZY_MIN = 5  # shorter words are never corrected
    FUZZY_TWO = 8  # from this length two edits are allowed
    _CACHE_MAX = 20_000

    def __init__(self, menu: Menu) -> None:
        self.phrases: dict[tuple[str, ...], tuple[Lex, ...]] = {}
        self._add_glue()
        self._add_menu(menu)
        self.max_len = max(len(k) for k in self.phrases)
        self.vocab = frozenset(w for k in self.phrases for w in k)
        targets = {w for k in self._menu_keys for w in k} | {"".join(k) for k in self._menu_keys}
        targets |= {"sugar", "sugars", "sweetener", "station", "cancel", "status", "unsubscribe"}
        self._index: dict[str, list[str]] = {}
        for word in sorted(t for t in targets if len(t) >= self.FUZZY_MIN and t.isalpha()):
            for variant in _deletes(word, 2):
                self._index.setdefault(variant, []).append(word)
        self._protected = (
            W.COMMON
            | W.NAME_STOP
            | W.GREETING_FILLER
            | W.STATION_WORDS
            | W.OPT_OUT
            | W.OPT_IN
            | W.KNOWN_DRINKS
        ) - self.vocab
        self._clipped, self._sounds = self._spelling_tables()
        self._cache: dict[str, str] = {}
        self._near_cache: dict[tuple[str, ...], tuple[str, ...] | None] = {}
        # The longest phrase each first word starts: the longest match never looks further.
        self._longest: dict[str, int] = {}
        for k in self.phrases:
            self._longest[k[0]] = max(len(k), self._longest.get(k[0], 0))
        self._others: dict[str, Lex] = {}

    # -- building ------------------------------------------------------------------------------
    def _add_glue(self) -> None:
        for word, n in W.NUMBER_WORDS.items():
            self.phrases[(word,)] = (Lex(W.NUM, n),)
        for phrase, (n, weak) in W.QUANTITY_PHRASES.items():
            self.phrases[words_of(phrase)] = (Lex(W.NUM, n, weak=weak),)
        for phrase, kind in W.GLUE_PHRASES.items():
            self.phrases[words_of(phrase)] = (Lex(kind, phrase),)
        for phrase in W.SUGAR_FREE_PHRASES:
            self.phrases[words_of(phrase)] = (Lex(W.SUGAR, 0),)

    def _add_menu(self, menu: Menu) -> None:
        readings: dict[tuple[str, ...], dict[str, str]] = {}

        def add(kind: str, name: str, phrases: Iterable[str]) -> None:
            for phrase in (name, *phrases):
                key = words_of(phrase)
                if key and not (kind == W.MILK and key == (NO_MILK,)):
                    readings.setdefault(key, {}).setdefault(kind, name)
                    if kind == W.MILK and key[-1] != "milk":
                        readings.setdefault((*key, "milk"), {}).setdefault(kind, name)

        for word, options in W.AMBIGUOUS.items():
            for kind, name in options:
                if name in {W.DRINK: menu.drink_names, W.MILK: menu.milk_names}[kind]:
                    readings.setdefault((word,), {}).setdefault(kind, name)
        for d in menu.drinks:
            add(W.DRINK, d.name, d.synonyms)
        for s in menu.sizes:
            add(W.SIZE, s.name, s.synonyms)
        for m in menu.milks:
            add(W.MILK, m.name, m.synonyms)
        for e in menu.extras:
            add(W.EXTRA, e.name, e.synonyms)
        table: dict[tuple[str, ...], tuple[Lex, ...]] = {}
        for key, by_kind in readings.items():
            if W.DRINK in by_kind and W.MILK in by_kind:
                table[key] = (Lex(W.AMBIG, by_kind[W.DRINK], alt=by_kind[W.MILK]),)
            else:
                kind = next(k for k in (W.DRINK, W.EXTRA, W.MILK, W.SIZE) if k in by_kind)
                weak = kind == W.DRINK and key in {(w,) for w in W.WEAK_SYNONYMS}
                table[key] = (Lex(kind, by_kind[kind], weak=weak),)
        # "double espresso": an extra whose words end in a drink is both.
        for key, lexes in list(table.items()):
            if lexes[0].kind != W.EXTRA:
                continue
            for cut in range(1, len(key)):
                tail = table.get(key[cut:])
                if tail and tail[0].kind == W.DRINK:
                    table[key] = (lexes[0], tail[0])
                    break
        self._menu_keys = frozenset(table)
        self._heads: dict[str, list[tuple[str, ...]]] = {}
        for key in sorted(table, key=len, reverse=True):
            if len(key) > 1:
                self._heads.setdefault(key[0], []).append(key)
        self.phrases.update(table)
        for key, lexes in table.items():  # "longblack", "hotchocolate"
            if len(key) > 1:
                self.phrases.setdefault(("".join(key),), lexes)

    def _spelling_tables(self) -> tuple[dict[str, str], dict[str, str]]:
        """Clipped forms ("lat", "cappu", "macch": at least three letters and half the word) and
        sound-alike keys ("larte", "lattay", "moka") of the menu's one-word drinks and milks,
        each kept only when every word it could stand for reads the same."""
        words = sorted(
            k[0]
            for k, lexes in self.phrases.items()
            if len(k) == 1
            and k in self._menu_keys  # not the joined forms ("spicedchai")
            and k[0].isalpha()
            and lexes[0].kind in (W.DRINK, W.MILK)
        )
        clipped: dict[str, str] = {}
        sounds: dict[str, str] = {}
        clashes: set[str] = set()

        def keep(table: dict[str, str], key: str, word: str) -> None:
            seen = table.setdefault(key, word)
            if self.phrases[(seen,)][0][:2] != self.phrases[(word,)][0][:2]:
                clashes.add(key)

        for word in words:
            for end in range(max(3, (len(word) + 1) // 2), len(word)):
                prefix = word[:end]
                if prefix not in self.vocab and prefix not in self._protected:
                    keep(clipped, prefix, word)
            if len(word) >= 4:
                keep(sounds, sound_key(word), word)
        return (
            {k: v for k, v in clipped.items() if k not in clashes},
            {k: v for k, v in sounds.items() if k not in clashes},
        )

    # -- lookups -------------------------------------------------------------------------------
    def is_menu_word(self, key: str) -> bool:
        return (key,) in self._menu_keys or key in self.vocab

    def correct(self, key: str) -> str:
        """The vocabulary word a written word stands for (plural folded, one typo fixed)."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._correct(key)
            if len(self._cache) >= self._CACHE_MAX:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def keys_of(self, tokens: Sequence[Token]) -> list[str]:
        """Each token's key, words corrected (``correct``), everything else as written."""
        cache, correct = self._cache, self.correct
        return [(cache.get(t.key) or correct(t.key)) if t.kind == "word" else t.key for t in tokens]

    def _correct(self, key: str) -> str:
        if key in self.vocab or key in self._protected or not key.isalpha():
            return key
        for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
            base = key[: -len(suffix)] + repl
            if key.endswith(suffix) and len(base) >= 2 and base in self.vocab:
                return base
        for suffix in ("s", ""):  # "lats": clipped and plural
            clip = (
                self._clipped.get(key[: len(key) - len(suffix)]) if key.endswith(suffix) else None
            )
            if clip is not None:
                return clip
        sound = self._sounds.get(sound_key(key)) if len(key) >= 4 else None
        if sound is not None:
            return sound
        if len(key) == 4:
            return self._keyboard_slip(key)
        if not self.FUZZY_MIN <= len(key) <= 24:
            return key
        limit = 2 if len(key) >= self.FUZZY_TWO else 1
        best: tuple[int, int, int, str] | None = None
        for variant in _deletes(key, limit):
            for word in self._index.get(variant, ()):
                dist = osa_distance(key, word, limit)
                if dist <= limit:
                    rank = (dist, word[0] != key[0], abs(len(word) - len(key)), word)
                    best = rank if best is None or rank < best else best
        return best[3] if best else key

    def _keyboard_slip(self, key: str) -> str:
        """A four-letter word one neighbouring key off a four-letter menu word ("chsi")."""
        found = key
        for i, ch in enumerate(key):
            for near in _NEIGHBOURS.get(ch, ""):
                cand = key[:i] + near + key[i + 1 :]
                if cand in self._sounds.values() and len(cand) == 4:
                    if found != key and found != cand:
                        return key  # two readings: leave it alone
                    found = cand
        return found

    def _near_phrase(self, written: tuple[str, ...]) -> tuple[str, ...] | None:
        """A menu phrase whose first word is exact and whose other words are one typo off, however
        short ("flat whte", "long blak"): the first word makes the guess safe. A written word that
        is itself menu vocabulary is never bent into another ("an extra hot" is not "an extra
        shot")."""
        if written in self._near_cache:
            return self._near_cache[written]
        found = None
        for phrase in self._heads.get(written[0], ()):
            if len(phrase) <= len(written) and all(
                have == want
                or (
                    min(len(have), len(want)) >= 3
                    and not self.is_menu_word(have)
                    and osa_distance(have, want, 1) <= 1
                )
                for have, want in zip(written[1:], phrase[1:], strict=False)
            ):
                found = phrase
                break
        if len(self._near_cache) >= self._CACHE_MAX:
            self._near_cache.clear()
        self._near_cache[written] = found
        return found

    def lex(self, tokens: Sequence[Token], keys: Sequence[str]) -> list[Lex]:
        """Longest-match the (corrected) word keys against the phrase table."""
        out: list[Lex] = []
        phrases, longest_from, others = self.phrases, self._longest, self._others
        i, n = 0, len(tokens)
        while i < n:
            kind = tokens[i].kind
            if kind != "word":
                if kind == "num":
                    # a number too big to be drinks is a badge, a room, a year: never a quantity
                    value = tokens[i].value
                    out.append(_NUM_LEXES[value] if value <= MAX_COUNT else _NUMBER_OTHER)
                elif kind == "who":
                    out.append(Lex(W.WHO, tokens[i].raw))
                elif kind == "code":
                    out.append(_CODE_OTHER)
                elif kind != "skip":
                    out.append(_SEP_LEXES.get(kind) or Lex(W.SEP, kind))
                i += 1
                continue
            key = keys[i]
            longest = longest_from.get(key)
            if longest is None:  # not the start of any phrase: most words of a text
                out.append(others.get(key) or self._other(key))
                i += 1
                continue
            if longest == 1 or i + 1 == n or tokens[i + 1].kind != "word":
                # one word: its own phrase or nothing (no near-phrase is one word long)
                entry = phrases.get((key,))
                if entry is None or (
                    entry[0].weak and entry[0].kind == W.DRINK and out and out[-1].kind == W.OTHER
                ):
                    out.append(others.get(key) or self._other(key))
                else:
                    out.extend(entry)
                i += 1
                continue
            span = 2
            while i + span < n and span < longest and tokens[i + span].kind == "word":
                span += 1
            matched = 0
            for length in range(span, 0, -1):
                entry = phrases.get((key,) if length == 1 else tuple(keys[i : i + length]))
                if entry is None:
                    continue
                if entry[0].weak and entry[0].kind == W.DRINK and out and out[-1].kind == W.OTHER:
                    continue  # "running late" is not a latte
                out.extend(entry)
                matched = length
                break
            if matched < 2 and span > 1 and key in self._heads:
                near = self._near_phrase(tuple(keys[i : i + span]))
                if near is not None:
                    if matched:
                        del out[-len(phrases[tuple(keys[i : i + matched])]) :]
                    out.extend(phrases[near])
                    matched = len(near)
            if matched:
                i += matched
            else:
                out.append(others.get(key) or self._other(key))
                i += 1
        return out

    def _other(self, key: str) -> Lex:
        """The (shared) lexeme of a word that is not order language."""
        lx = self._others.get(key)
        if lx is None:
            if len(self._others) >= self._CACHE_MAX:
                self._others.clear()
            lx = self._others[key] = Lex(W.OTHER, key)
        return lx
