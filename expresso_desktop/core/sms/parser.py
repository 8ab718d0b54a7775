"""The SMS order language: one text in, an intent and (for orders) a list of items out.

Pipeline: tokenise (``sms_lexicon``) -> correct typos against menu words only -> take out the
station and the name (``sms_extract``) -> longest-match phrases into lexemes -> resolve numbers,
sugar, shots, negation and "mac", and bind modifiers to the nearest drink (``sms_grammar``) ->
pick the intent (here). A quantity is read honestly up to 99 (the conversation decides what to do
with 25 flat whites); a larger number, or digits glued to letters ("VIP7", "GOLD123": a code, a
badge, a room), is never a quantity. Items are capped at 20, sugar at 0..10, and only the first
1000 characters are read, so any input parses in bounded time.

Beyond the JSON schema a result carries what the conversation needs: who each item is for (a
friend named in "a mocha for Ben"), a change to an order ("actually make it oat"), a word that
needs asking about ("mac" alone) and drinks nobody here serves ("frappuccino").

Intent precedence: a bare carrier word (STOP, CANCEL, START...) first; then "cancel" with anything
else; opt-out/opt-in phrases; status questions about *my* order; menu questions; then any drink
makes it an order; otherwise weaker status/menu/help/usual phrases, then a pure greeting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import NO_MILK, Menu, load_default_menu
from expresso_desktop.core.sms import words as W
from expresso_desktop.core.sms.extract import NameFinder, find_station
from expresso_desktop.core.sms.grammar import Draft, build, refine
from expresso_desktop.core.sms.lexicon import (
    MAX_COUNT,
    SEP_TOKEN,
    Lex,
    Lexicon,
    Token,
    scan,
    split_glued,
)

log = logging.getLogger(__name__)

MAX_ITEMS = 20
MAX_QUANTITY = MAX_COUNT
MAX_SUGAR = 10
_SKIP_TOKEN = Token("skip", "", "")


class Intent(StrEnum):
    ORDER = "order"
    STATUS = "status"
    CANCEL = "cancel"
    MENU = "menu"
    HELP = "help"
    USUAL = "usual"
    STOP = "stop"
    START = "start"
    GREETING = "greeting"
    UNKNOWN = "unknown"


# A parsed item is the core's drink line: one type from the text to the order and its stock.
OrderItem = DrinkSpec


@dataclass(frozen=True)
class Change:
    """A change to an order already sent: only what the text said (None: keep it)."""

    drink: str | None = None
    size: str | None = None
    milk: str | None = None
    sugar: int | None = None
    more_sugar: int = 0  # "add a sugar"
    add_extras: tuple[str, ...] = ()
    drop_extras: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Change()

    def apply(self, item: OrderItem, menu: Menu) -> OrderItem:
        drink = self.drink or item.drink
        milk = self.milk or item.milk
        if self.drink and not self.milk and self.drink != item.drink:
            # A black drink has no milk unless asked; a milky one made from black gets the default.
            was_default = item.milk == menu.default_milk_for(item.drink)
            if was_default or menu.default_milk_for(drink) == NO_MILK:
                milk = menu.default_milk_for(drink)
        sugar = self.sugar if self.sugar is not None else item.sugar
        extras = [e for e in item.extras if e not in self.drop_extras]
        extras += [e for e in self.add_extras if e not in extras]
        return replace(
            item,
            drink=drink,
            size=self.size or item.size,
            milk=milk,
            sugar=min(max(sugar + self.more_sugar, 0), MAX_SUGAR),
            extras=tuple(extras),
        )


@dataclass(frozen=True)
class ParseResult:
    intent: str
    items: tuple[OrderItem, ...] = ()
    station: int | None = None
    name: str | None = None
    # Not part of the JSON schema (``to_dict``):
    who: tuple[str | None, ...] = ()  # per item: the friend it is for; None is the sender
    change: Change | None = None  # "actually make it oat": a change to the last order
    unclear: str | None = None  # a word to ask about ("mac": macchiato or macadamia?)
    unserved: tuple[str, ...] = field(default=())  # drinks asked for that nobody here serves

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": str(self.intent),
            "items": [i.to_dict() for i in self.items],
            "station": self.station,
            "name": self.name,
        }


class _WordRx:
    """A ``\b(?:...)\b`` pattern searched in the space-joined words of a text, skipped outright
    when the text has none of the words a match can start with (most texts: a regex search is
    the slow part of reading the intent). That set is read off the pattern itself, so it never
    falls out of step with it; a pattern it cannot read is always searched."""

    def __init__(self, pattern: str) -> None:
        self.rx = re.compile(rf"\b(?:{pattern})\b")
        self.starts = _first_words(self.rx)

    def search(self, text: str, words: set[str], plain: bool) -> bool:
        """``plain``: ``text`` is words of letters and digits only, joined by single spaces, so
        a match can only start at one of ``words``."""
        if plain and self.starts is not None and self.starts.isdisjoint(words):
            return False
        return self.rx.search(text) is not None


def _first_words(rx: re.Pattern[str]) -> frozenset[str] | None:
    """Every word a match of ``rx`` can start with, or None when that is not simple to tell."""
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    State = tuple[str, bool]  # the word so far, and whether it has ended

    def walk(seq: Any, states: set[State]) -> set[State]:
        for op, av in seq:
            done = {s for s in states if s[1]}
            live = states - done
            if not live:
                return states
            if op is C.LITERAL and (chr(av).isalnum() or chr(av) == "_"):
                states = done | {(w + chr(av), False) for w, _ in live}
            elif op is C.LITERAL and all(w for w, _ in live):
                states = done | {(w, True) for w, _ in live}
            elif op is C.AT and av is C.AT_BOUNDARY:
                states = done | {(w, bool(w)) for w, _ in live}
            elif op is C.BRANCH:
                states = done.union(*(walk(branch, live) for branch in av[1]))
            elif op is C.SUBPATTERN and not av[1] and not av[2]:
                states = done | walk(av[3], live)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[1] == 1:
                states = states | walk(av[2], live)
            else:
                raise ValueError(op)
        return states

    try:
        ends = walk(_parser.parse(rx.pattern, rx.flags), {("", False)})
    except (ValueError, AttributeError):
        return None
    if not all(done and word for word, done in ends):
        return None
    return frozenset(word for word, _ in ends)


def _rx(pattern: str) -> _WordRx:
    return _WordRx(pattern)


_STATUS_STRONG = _rx(
    r"status|eta|(?:wheres|where is|where are|hows|how is|whats happening with) (?:my|our|the)"
    r"|(?:is|are) (?:my|our|the|it|they)\b.*\bready|any (?:news|update)|update on|still waiting"
    r"|how long (?:is|will|till|until|for|on) (?:my|our|the)|(?:my|our) order ready"
    r"|has (?:my|our) (?:\w+ )?(?:order|coffee|drink|coffees|drinks)|(?:i|we|already) ordered"
    r"|ordered .* ago|(?:wheres|where is) (?:it|that)"
    r"|(?:havent|not) (?:got|received|here) (?:it|yet)"
)
_STATUS_WEAK = _rx(
    r"ready|how long|waiting|wait time|the wait|how much longer|taking (?:ages|forever|so long)"
    r"|when will|done yet|is it done|coming soon|on its way"
)
_MENU_STRONG = _rx(
    r"menu|what (?:drinks?|coffees?|options?|milks?|sizes?|flavou?rs?|syrups?|extras?|teas?)"
    r"|what (?:do|can|does) (?:you|u|i|we|ya) (?:have|got|serve|make|do|order|get|offer|sell)"
    r"|whats (?:available|on offer|on)|what is (?:available|on offer)|price list|drinks list"
)
_MENU_WEAK = _rx(
    r"do (?:you|u|ya) (?:have|do|serve|make|sell|got|offer)|is there|are there|options|choices"
    r"|what kinds?|what types?|available|whats good"
)
_HELP = _rx(
    r"help|info|information|instructions|commands?|how (?:does this|does it|do i|do we|to) "
    r"(?:work|order|use)|what do i do|how do i|what is this|whats this"
)
_USUAL = _rx(
    r"usual|same again|same as (?:last time|last|before|yesterday|usual|always)|same order"
    r"|same thing|the same|same please|repeat (?:my )?(?:last )?order"
)
_CANCEL = _rx(
    r"cancel|cancell?ed|cancellation|(?:scrap|void|delete|forget|nevermind|never mind|stop) "
    r"(?:my|the|our|that) (?:order|drink|coffee|drinks|coffees)"
)
_GREETING = re.compile(rf"(?:{W.GREETING_RE})")
_STOP_FILLER = W.word_set(
    """please pls plz now thanks texting text texts messaging messages message me sms it all the
    just sending contacting spam spamming send dont do not any more us you out opt"""
)
_START_FILLER = W.word_set("please pls me again texts messages back in opt subscribe")
_STOP_ANYWHERE = frozenset({"stop", "stopall", "unsubscribe", "quit", "optout"})


_WORDISH = frozenset({"word", "code"})
_AMENDABLE = frozenset({Intent.ORDER, Intent.UNKNOWN, Intent.GREETING})


class SmsParser:
    """Parses texts against one menu; build one per menu (it precomputes the phrase table)."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu
        self._lexicon = Lexicon(menu)
        self._not_served = W.NOT_SERVED - self._lexicon.vocab
        self._ambiguous = frozenset(W.AMBIGUOUS)
        self._names = NameFinder(self._lexicon)
        self._default_milk = {d: menu.default_milk_for(d) for d in menu.drink_names}
        self._shot_extra = next((e.name for e in menu.extras if e.shots >= 1), None)
        self._no_milk = NO_MILK in menu.milk_names

    def parse(self, text: str) -> ParseResult:
        """Never raises: anything that goes wrong is logged and reads as ``unknown``."""
        try:
            return self._parse(text if isinstance(text, str) else "")
        except Exception:  # a parser bug must not drop the SMS pipeline
            size = len(text) if isinstance(text, str) else -1
            log.exception("SMS parser failed on a %d-character text", size)
            return ParseResult(Intent.UNKNOWN)

    def _parse(self, text: str) -> ParseResult:
        tokens, glued = scan(text)
        if glued:
            tokens = self._unglue(tokens)
        keys = self._lexicon.keys_of(tokens)
        used = [False] * len(tokens)
        station = find_station(tokens, keys, used)
        names = self._names.find(text, tokens, keys, used)
        taken = True in used
        live = tokens[:]
        if taken:
            live = [SEP_TOKEN if u else t for t, u in zip(tokens, used, strict=True)]
        for at, friend in names.friends:
            live[at] = Token("who", friend, friend)
            for k in range(at + 1, len(live)):
                if live[k] is not SEP_TOKEN:
                    break
                live[k] = _SKIP_TOKEN  # the rest of a friend's name ("Ben Smith")
        lexes = self._lexicon.lex(live, keys)
        lexes = refine(lexes, shot_extra=self._shot_extra, no_milk=self._no_milk)
        if taken:
            both = zip(tokens, keys, used, strict=True)
            words = [k for t, k, u in both if not u and t.kind in _WORDISH]
        else:
            words = [k for t, k in zip(tokens, keys, strict=True) if t.kind in _WORDISH]
        unclear = self._unclear(lexes) if not self._ambiguous.isdisjoint(keys) else None
        has_drink = not unclear and W.DRINK in [lx.kind for lx in lexes]
        intent = self._intent(words, tokens, has_drink)
        items: tuple[OrderItem, ...] = ()
        who: tuple[str | None, ...] = ()
        change = self._change(lexes, words, has_drink) if intent in _AMENDABLE else None
        if intent is Intent.ORDER:
            drafts = build(lexes)[:MAX_ITEMS]
            items = tuple(self._finish(d) for d in drafts)
            if any(d.who for d in drafts):
                who = tuple(d.who or None for d in drafts)
            if not items:
                intent = Intent.UNKNOWN
        unserved: tuple[str, ...] = ()
        if not self._not_served.isdisjoint(words):
            unserved = self._unserved(tokens, keys, used if taken else None)
        return ParseResult(
            intent,
            items,
            station,
            names.name,
            who,
            change,
            unclear if not items else None,
            unserved,
        )

    def _unserved(
        self, tokens: list[Token], keys: list[str], used: list[bool] | None
    ) -> tuple[str, ...]:
        """Drinks asked for that nobody here serves, each run of such words as one phrase
        ("pumpkin spice frappuccino"), whether or not something else in the text was ordered."""
        phrases: list[str] = []
        run: list[str] = []
        sure = False  # the run has a word that is not a menu word even after typo correction
        for at, (token, key) in enumerate(zip(tokens, keys, strict=True)):
            wordish = token.kind in _WORDISH and not (used and used[at])
            # Typos are corrected towards menu words ("spice" reads "spiced"): such a word only
            # joins a phrase that has a sure one ("pumpkin spice frappuccino", not "chai spice").
            if wordish and (key in self._not_served or token.key in self._not_served):
                run.append(token.key)
                sure = sure or key in self._not_served
                continue
            if run and sure:
                phrases.append(" ".join(run))
            run, sure = [], False
        if run and sure:
            phrases.append(" ".join(run))
        return tuple(dict.fromkeys(phrases))

    def _unglue(self, tokens: list[Token]) -> list[Token]:
        """Letters glued to digits are split when every part is order language ("2x", "x2",
        "lattex4", "station2", "5mins", "2sugars"); anything else is a code ("VIP7", "A001",
        "GOLD123") that stands for nothing in the order."""
        out: list[Token] = []
        for token in tokens:
            if token.kind != "glued":
                out.append(token)
                continue
            parts = split_glued(token)
            readable: list[Token] = []
            for part in parts:
                key = part.key
                if part.kind == "num" or key == "x":
                    readable.append(part)
                elif (
                    key.endswith("x")
                    and key not in self._lexicon.vocab
                    and (self._is_order_word(key[:-1]))
                ):
                    readable += [Token("word", part.raw[:-1], key[:-1]), Token("word", "x", "x")]
                elif len(key) >= 2 and self._is_order_word(key):
                    readable.append(part)
                else:
                    readable = []
                    break
            out += readable or [Token("code", token.raw, token.key)]
        return out

    def _is_order_word(self, key: str) -> bool:
        return key in W.STATION_WORDS or self._lexicon.correct(key) in self._lexicon.vocab

    @staticmethod
    def _unclear(lexes: list[Lex]) -> str | None:
        """ "mac" alone: a macchiato or macadamia milk? Ask, unless a number says it is drinks
        ("2 macs") or other drinks around it make it one of several ("latte and a mac")."""
        drinks = [i for i, lx in enumerate(lexes) if lx.kind == W.DRINK]
        if not drinks or not all(lexes[i].alt for i in drinks):
            return None
        for i in drinks:
            before = lexes[i - 1] if i else None
            if before is not None and before.kind == W.NUM and not before.weak:
                return None
            if any(lx.kind == W.NUM and lx.mult for lx in lexes):
                return None
        drink = lexes[drinks[0]].value
        return next((w for w, opts in W.AMBIGUOUS.items() if (W.DRINK, drink) in opts), None)

    def _change(self, lexes: list[Lex], words: list[str], has_drink: bool) -> Change | None:
        """ "actually make it oat", "change to large", "add a sugar", "make it a cap instead"."""
        if (W.AMEND_STRONG if has_drink else W.AMEND_CUES).isdisjoint(words):
            return None
        said = set(words)
        if has_drink:
            drafts = build(lexes)
            if len(drafts) != 1:
                return None
            draft = drafts[0]
        else:
            drafts = build([*lexes, Lex(W.DRINK, "")])
            if not drafts:
                return None
            draft = drafts[-1]
        adds = bool(said & {"add", "another", "more", "extra"}) and bool(draft.sugar)
        change = Change(
            drink=draft.drink or None,
            size=draft.size,
            milk=draft.milk,
            sugar=None if adds else draft.sugar,
            more_sugar=(draft.sugar or 0) if adds else 0,
            add_extras=tuple(draft.extras),
            drop_extras=tuple(str(lx.value) for lx in lexes if lx.kind == W.DROP),
        )
        return None if change.empty else change

    # -- intent --------------------------------------------------------------------------------
    def _intent(self, words: list[str], tokens: Sequence[Token], has_drink: bool) -> Intent:
        if not words:
            return Intent.HELP if tokens and all(t.kind == "q" for t in tokens) else Intent.UNKNOWN
        if len(words) == 1 and not has_drink:
            bare = words[0]
            if bare in W.OPT_OUT:
                return Intent.STOP
            if bare in W.OPT_IN:
                return Intent.START
        text = " ".join(words)
        rest = set(words)
        plain = text.replace(" ", "").isalnum()  # see _WordRx.search
        question = tokens[-1].kind == "q"  # "do you have chai?" asks; "do you have chai" orders
        if _CANCEL.search(text, rest, plain):
            return Intent.CANCEL
        if not has_drink:
            opt_out = rest & _STOP_ANYWHERE or "opt out" in text
            if opt_out and rest <= _STOP_FILLER | _STOP_ANYWHERE:
                return Intent.STOP
            if rest & W.OPT_IN and rest <= _START_FILLER | W.OPT_IN - {"yes"}:
                return Intent.START
        if _STATUS_STRONG.search(text, rest, plain):
            return Intent.STATUS
        if _MENU_STRONG.search(text, rest, plain) or (
            question and _MENU_WEAK.search(text, rest, plain)
        ):
            return Intent.MENU
        if has_drink:
            return Intent.ORDER
        for pattern, intent in (
            (_STATUS_WEAK, Intent.STATUS),
            (_MENU_WEAK, Intent.MENU),
            (_HELP, Intent.HELP),
            (_USUAL, Intent.USUAL),
        ):
            if pattern.search(text, rest, plain):
                return intent
        greets = [w for w in words if _GREETING.fullmatch(w)]
        if greets and all(w in W.GREETING_FILLER or _GREETING.fullmatch(w) for w in words):
            return Intent.GREETING
        return Intent.UNKNOWN

    def _finish(self, d: Draft) -> OrderItem:
        default = self._default_milk[d.drink]
        milk = d.milk or (self.menu.default_milk if d.milk_word and default == NO_MILK else default)
        sugar = d.sugar or 0
        quantity = d.quantity or 1  # larger than the cap: not a quantity
        return OrderItem(
            d.drink,
            d.size or self.menu.default_size,
            milk,
            sugar if 0 <= sugar <= MAX_SUGAR else min(max(sugar, 0), MAX_SUGAR),
            quantity if 1 <= quantity <= MAX_QUANTITY else min(max(quantity, 1), MAX_QUANTITY),
            tuple(d.extras),
        )


_parsers: dict[int, tuple[Menu, SmsParser]] = {}


def parse_sms(text: str, menu: Menu | None = None) -> ParseResult:
    """Parse with a cached parser for ``menu`` (the bundled default menu if None)."""
    key = id(menu)
    hit = _parsers.get(key)
    if hit is None or (menu is not None and hit[0] is not menu):
        if len(_parsers) > 8:
            _parsers.clear()
        parser_menu = menu if menu is not None else load_default_menu()
        hit = _parsers[key] = (parser_menu, SmsParser(parser_menu))
    return hit[1].parse(text)
