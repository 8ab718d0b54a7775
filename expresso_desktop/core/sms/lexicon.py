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

_DASH_IN_WORD = re.compile(r"(?<=[^\W\d_])[-‐‑–](?=[^\W\d_])")
_W_SLASH = re.compile(r"\bw/", re.IGNORECASE)
_MARKUP = re.compile(r"<[^<>]{0,200}>")
_TIMES_SIGN = re.compile(r"[×*]")
_TOKEN = re.compile(
    r"(\d+(?:\.\d+)?)"  # 1 number
    r"|([^\W\d_]+(?:['’`][^\W\d_]+)*)"  # 2 word, with inner apostrophes
    r"|([-‐‑–—~]+)"  # 3 dash
    r"|(@)"  # 4
    r"|(\?)"  # 5
    r"|(:)"  # 6
    r"|([,;&+/|.!\n()\[\]])"  # 7 separator
)
_KINDS = (None, "num", "word", "dash", "at", "q", "colon", "sep")
_APOSTROPHES = str.maketrans("", "", "'’`")
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
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "<" in text:
        text = _MARKUP.sub(" ", text)  # "<img src=x>" is not a customer called Img
    if "/" in text:
        text = _W_SLASH.sub("with ", text)
    if "*" in text or "×" in text:
        text = _TIMES_SIGN.sub(" x ", text)
    if not text.isascii() or "-" in text:
        text = _DASH_IN_WORD.sub(" ", text)
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = _KINDS[m.lastindex or 0] or "sep"
        raw = m.group()
        if kind == "word":
            out.append(Token(kind, raw, _word_key(raw)))
        elif kind == "num":
            whole = raw.split(".")[0]
            out.append(Token(kind, raw, raw, int(whole) if len(whole) <= 4 else _BIG))
        else:
            out.append(Token(kind, raw, raw))
        if len(out) >= MAX_TOKENS:
            break
    return out


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
        self._cache: dict[str, str] = {}
        self._near_cache: dict[tuple[str, ...], tuple[str, ...] | None] = {}
        self._firsts = frozenset(k[0] for k in self.phrases)

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

    def _correct(self, key: str) -> str:
        if key in self.vocab or key in self._protected or not key.isalpha():
            return key
        for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
            base = key[: -len(suffix)] + repl
            if key.endswith(suffix) and len(base) >= 2 and base in self.vocab:
                return base
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
        i, n = 0, len(tokens)
        while i < n:
            kind = tokens[i].kind
            if kind == "num":
                out.append(Lex(W.NUM, tokens[i].value))
                i += 1
                continue
            if kind != "word":
                out.append(Lex(W.SEP, kind))
                i += 1
                continue
            if keys[i] not in self._firsts:
                out.append(Lex(W.OTHER, keys[i]))
                i += 1
                continue
            span = 1
            while i + span < n and span < self.max_len and tokens[i + span].kind == "word":
                span += 1
            matched = 0
            for length in range(span, 0, -1):
                entry = self.phrases.get(tuple(keys[i : i + length]))
                if entry is None:
                    continue
                if entry[0].kind == W.DRINK and entry[0].weak and out and out[-1].kind == W.OTHER:
                    continue  # "running late" is not a latte
                out.extend(entry)
                matched = length
                break
            if matched < 2 and span > 1 and keys[i] in self._heads:
                near = self._near_phrase(tuple(keys[i : i + span]))
                if near is not None:
                    if matched:
                        del out[-len(self.phrases[tuple(keys[i : i + matched])]) :]
                    out.extend(self.phrases[near])
                    matched = len(near)
            if matched:
                i += matched
            else:
                out.append(Lex(W.OTHER, keys[i]))
                i += 1
        return out
