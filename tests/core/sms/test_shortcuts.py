"""The parser's speed shortcuts give the same answers as the slow paths they skip."""

from __future__ import annotations

import re

import pytest

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.core.sms import parser as P
from expresso_desktop.core.sms.lexicon import GLUED, scan, tokenise

SAMPLES = [
    "large oat flat white for Sam",
    "can i get a latte please",
    "where is my order",
    "cancel my order",
    "never mind the drink",
    "what do you have",
    "the usual please",
    "how long will it be",
    "any update on my coffee",
    "i ordered ages ago",
    "price list",
    "help",
    "is it ready",
    "VIP7 latte",
    "lattex4",
    "2x flat white",
    "room 12a",
    "o'neil7 stop",
    "7o'stop latte",
    "café au lait",
    "ÉTA latte",
    "latte  for  Jo",
    " latte ",
    "latte\nmocha",
    "latte\tmocha",
    "",
]
_OLD_GLUED = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")
_OLD_TOKEN = re.compile(
    r"(\d+(?:\.\d+)?)|([^\W\d_]+(?:['’`-][^\W\d_]+)*)|([-‐‑–—~]+)|(@)|(\?)|(:)|([,;&+/|.!\n()\[\]])"
)
_KINDS = (None, "num", "word", "dash", "at", "q", "colon", "sep")
_PATTERNS = [
    P._CANCEL,
    P._STATUS_STRONG,
    P._STATUS_WEAK,
    P._MENU_STRONG,
    P._MENU_WEAK,
    P._HELP,
    P._USUAL,
]


@pytest.mark.parametrize("text", SAMPLES)
def test_glued_search_finds_the_same_texts(text: str) -> None:
    assert (GLUED.search(text) is None) == (_OLD_GLUED.search(text) is None)


@pytest.mark.parametrize("text", [s for s in SAMPLES if not _OLD_GLUED.search(s)])
def test_tokens_are_the_regex_tokens(text: str) -> None:
    """Shared tokens and the letters-and-spaces path cut a text like the token regex."""
    expected = [(_KINDS[m.lastindex or 0], m.group()) for m in _OLD_TOKEN.finditer(text)]
    if text.isascii() and "<" not in text:
        assert [(t.kind, t.raw) for t in tokenise(text)] == expected
    assert scan(text)[1] is False


def test_scan_says_whether_a_token_is_glued() -> None:
    assert scan("VIP7 latte")[1] and scan("a lattex4 please")[1]
    assert not scan("2 lattes")[1] and not scan("latte")[1]
    assert not scan("a " * 5000)[1] and len(tokenise("a " * 5000)) == 250  # fast path: capped


def test_every_intent_pattern_has_its_first_words() -> None:
    """The intent regexes are searched only in texts holding a word a match can start with; the
    set is read off each pattern, and a pattern it cannot read is simply always searched."""
    for rx in _PATTERNS:
        assert rx.starts, rx.rx.pattern
    assert P._CANCEL.starts == {
        "cancel", "canceled", "cancelled", "cancellation", "scrap", "void", "delete", "forget",
        "nevermind", "never", "stop",
    }  # fmt: skip
    assert {"menu", "what", "whats", "price", "drinks"} == P._MENU_STRONG.starts
    assert P._first_words(re.compile(r"\b(?:[a-z]+ing)\b")) is None
    assert P._first_words(re.compile(r"\b(?:late|ready)")) is None  # no word end: unsure


@pytest.mark.parametrize("text", SAMPLES)
def test_gated_search_agrees_with_the_regex(text: str) -> None:
    words = [t.key for t in tokenise(text) if t.kind == "word"]
    joined = " ".join(words)
    plain = joined.replace(" ", "").isalnum()
    for rx in _PATTERNS:
        assert rx.search(joined, set(words), plain) == bool(rx.rx.search(joined)), rx.rx.pattern
        assert rx.search(joined, set(), False) == bool(rx.rx.search(joined))


def test_a_code_with_an_apostrophe_is_still_searched() -> None:
    """A code is one word for the parser but several for the regex: never skipped then."""
    parser = P.SmsParser(load_default_menu())
    assert parser.parse("7O'Cancel latte").intent == "cancel"
    text = "7o'cancel"
    assert not text.replace(" ", "").isalnum()
    assert P._CANCEL.search(text, {text}, False)
