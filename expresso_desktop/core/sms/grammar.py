"""The order grammar: lexemes in, draft order items out.

Binding rules (the ones a reader would otherwise have to guess):
- Modifiers before the first drink of a chunk belong to it; after the last drink, to that drink.
  Between two drinks, sizes and quantities start the next item; sugar and anything after "with"
  belong to the previous one; a bare milk or extra goes to the next drink unless that drink has
  its own of the same kind after it ("latte oat cap soy").
- A chunk without a drink ("..., half strength, skim") modifies the item before it; at the start
  of a text it waits for the first drink. "2 lattes, one with oat" splits the 2 into 1 + 1, and
  "both"/"each" reach every item so far.
- "mac" is macadamia milk right before a drink or "milk" ("mac latte"), or right after a drink or
  "with" in the same chunk ("latte mac", "latte with mac"); anywhere else it is a macchiato.
- "a"/"an" are quantity 1 but never split an item; "2x"/"x2" may follow the drink.
- A friend's name ("a mocha for Ben") belongs to the drink before it in its chunk, like a
  modifier after the drink.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from expresso_desktop.core.menu import NO_MILK
from expresso_desktop.core.sms import words as W
from expresso_desktop.core.sms.lexicon import Lex


@dataclass(slots=True)
class Draft:
    """An order item being assembled; ``None`` means "not said" (the menu default applies)."""

    drink: str
    quantity: int | None = None
    size: str | None = None
    milk: str | None = None
    milk_word: bool = False
    sugar: int | None = None
    extras: list[str] = field(default_factory=list)
    who: str | None = None  # the friend it is for ("" or None: the sender)

    def split(self, quantity: int) -> Draft:
        extras = list(self.extras)
        return Draft(
            self.drink, quantity, self.size, self.milk, self.milk_word, self.sugar, extras, self.who
        )


def refine(lexes: list[Lex], *, shot_extra: str | None, no_milk: bool) -> list[Lex]:
    """Resolve numbers, sugar, shots, negation, "mac" and split drink names, in that order.
    A pass runs only when its trigger words are present (most texts need two or three)."""
    kinds = {lx.kind for lx in lexes}
    if kinds.isdisjoint(_TRIGGERS):
        return lexes
    if not kinds.isdisjoint(_NUMBER_TRIGGERS):
        lexes = _numbers(lexes)
    if not kinds.isdisjoint(_SUGAR_TRIGGERS):
        lexes = _sugar(lexes, shot_extra)
    if W.NEG in kinds:
        lexes = _negation(lexes, no_milk)
    if W.AMBIG in kinds:
        lexes = _ambiguity(lexes)
    if W.DRINK in kinds and [lx.kind for lx in lexes].count(W.DRINK) > 1:
        lexes = _merge_drinks(lexes)  # joins need two drinks in a row
    return lexes


_NUMBER_TRIGGERS = frozenset({W.TIMES, W.TIMEWORD, W.PLACE})
_SUGAR_TRIGGERS = frozenset({W.SUGARWORD, W.SHOTWORD, W.UNIT, W.WITH})
_TRIGGERS = _NUMBER_TRIGGERS | _SUGAR_TRIGGERS | {W.NEG, W.AMBIG, W.DRINK}


def _numbers(lexes: list[Lex]) -> list[Lex]:
    """Make "2x"/"x2" multipliers; drop numbers of minutes, people and tables."""
    out: list[Lex] = []
    i = 0
    while i < len(lexes):
        cur = lexes[i]
        nxt = lexes[i + 1] if i + 1 < len(lexes) else None
        if cur.kind == W.TIMES:
            if nxt is not None and nxt.kind == W.NUM:
                out.append(nxt._replace(mult=True, weak=False))
                i += 1
            elif out and out[-1].kind == W.NUM:
                out[-1] = out[-1]._replace(mult=True)
        elif nxt is not None and (cur.kind, nxt.kind) in ((W.NUM, W.TIMEWORD), (W.PLACE, W.NUM)):
            i += 1
        elif cur.kind in (W.TIMEWORD, W.PLACE):
            out.append(Lex(W.OTHER, cur.value))
        else:
            out.append(cur)
        i += 1
    return out


def _sugar(lexes: list[Lex], shot_extra: str | None) -> list[Lex]:
    """Sugar counts ("2 sugars", "no sugar", "sugar x2", "white with one"); "2 shots"."""
    out: list[Lex] = []
    i = 0
    n = len(lexes)
    while i < n:
        cur = lexes[i]
        nxt = lexes[i + 1] if i + 1 < n else None
        if cur.kind == W.NUM and nxt is not None:
            j = i + 1 + (nxt.kind == W.UNIT)
            if j < n and lexes[j].kind == W.SUGARWORD:
                out.append(Lex(W.SUGAR, cur.value))
                i = j + 1
                continue
            if nxt.kind == W.SHOTWORD:
                if int(cur.value) >= 2 and shot_extra:
                    out.append(Lex(W.EXTRA, shot_extra))
                i += 2
                continue
        if cur.kind == W.SUGARWORD:
            count = 1
            if nxt is not None and nxt.kind == W.NUM and not _drink_ahead(lexes, i + 1):
                count = int(nxt.value)
                i += 1
            if out and out[-1].kind == W.NEG:
                out[-1], count = Lex(W.SUGAR, 0), -1
            if count >= 0:
                out.append(Lex(W.SUGAR, count))
        elif cur.kind == W.WITH and nxt is not None and nxt.kind == W.NUM and not nxt.mult:
            ends = i + 2 >= n or lexes[i + 2].kind == W.SEP
            if ends and _drink_behind(out):
                out.append(Lex(W.SUGAR, nxt.value))
                i += 1
            else:
                out.append(cur)
        elif cur.kind not in (W.UNIT, W.SHOTWORD):
            out.append(cur)
        i += 1
    return out


def _negation(lexes: list[Lex], no_milk: bool) -> list[Lex]:
    """Take a negated extra off ("no ice", "not too strong"); "without any milk" is no milk."""
    out: list[Lex] = []
    skip = 0
    for i, cur in enumerate(lexes):
        if skip:
            skip -= 1
            continue
        if cur.kind != W.NEG:
            out.append(cur)
            continue
        j = i + 1
        while j < len(lexes) and j <= i + 2 and lexes[j].kind == W.OTHER:
            j += 1
        if j < len(lexes) and lexes[j].kind == W.EXTRA:
            out.append(Lex(W.DROP, lexes[j].value))
            skip = j - i
        elif j < len(lexes) and lexes[j].kind == W.MILKWORD and no_milk:
            out.append(Lex(W.MILK, NO_MILK))
            skip = j - i
    return out


def _ambiguity(lexes: list[Lex]) -> list[Lex]:
    """Read "mac" as macadamia milk next to a drink or "milk", else a macchiato (see above)."""
    out: list[Lex] = []
    for i, cur in enumerate(lexes):
        if cur.kind != W.AMBIG:
            out.append(cur)
            continue
        nxt = lexes[i + 1] if i + 1 < len(lexes) else None
        before = out[-1].kind if out else W.SEP
        as_milk = nxt is not None and (
            nxt.kind == W.DRINK or (nxt.kind == W.MILKWORD and nxt.value == "milk")
        )
        as_milk = as_milk or (before in (W.DRINK, W.WITH) and _drink_behind(out))
        out.append(Lex(W.MILK, cur.alt) if as_milk else Lex(W.DRINK, cur.value, alt=cur.alt))
    return out


def _merge_drinks(lexes: list[Lex]) -> list[Lex]:
    """Join "chai" + "latte" (written "chai lattee") into one chai latte."""
    out: list[Lex] = []
    for cur in lexes:
        prev = out[-1] if out else None
        joined = prev is not None and prev.kind == W.DRINK and cur.kind == W.DRINK
        if not (joined and prev is not None and str(prev.value).endswith(f" {cur.value}")):
            out.append(cur)
    return out


def build(lexes: list[Lex]) -> list[Draft]:
    """Draft items in text order (at most one per drink, plus "one with ..." splits)."""
    items: list[Draft] = []
    pending: list[Lex] = []
    for chunk in _chunks(lexes):
        at = [i for i, lx in enumerate(chunk) if lx.kind == _DRINK]
        if not at:
            if items:
                _post(items, items[-1], chunk)
            else:
                pending.extend(chunk)
            continue
        drafts = [Draft(str(chunk[i].value)) for i in at]
        pre: list[list[Lex]] = [pending + chunk[: at[0]]]
        post: list[list[Lex]] = []
        pending = []
        for k in range(len(at) - 1):
            after_next = chunk[at[k + 1] + 1 : at[k + 2] if k + 2 < len(at) else len(chunk)]
            mine, theirs = _split_between(chunk[at[k] + 1 : at[k + 1]], after_next)
            post.append(mine)
            pre.append(theirs)
        post.append(chunk[at[-1] + 1 :])
        for draft, before, after in zip(drafts, pre, post, strict=True):
            for lx in before:
                if lx.kind == W.NUM:
                    draft.quantity = int(lx.value)
                else:
                    _apply(draft, lx)
            items.append(draft)
            if after:
                _post(items, draft, after)
            elif draft.quantity == 0:
                items.remove(draft)  # what _post does with nothing after the drink
    return [d for d in items if d.quantity != 0]


def _post(items: list[Draft], base: Draft, lexes: list[Lex]) -> None:
    """Modifiers after a drink; "one with oat" splits a quantity into its own item, "both"
    and "each" reach every item so far ("a latte and a cap, both skim")."""
    if len(items) > 1 and any(lx.kind == W.EACH for lx in lexes):
        for item in items:
            for lx in lexes:
                _apply(item, lx)
        return
    target = base
    prev = W.SEP
    for lx in lexes:
        splits = lx.kind == W.NUM and not lx.weak and not lx.mult and prev != W.WITH
        prev = lx.kind
        if lx.kind != W.NUM:
            _apply(target, lx)
        elif lx.mult:
            base.quantity = int(lx.value)
        elif splits and 0 < int(lx.value) < (base.quantity or 1):
            target = base.split(int(lx.value))
            base.quantity = (base.quantity or 1) - int(lx.value)
            items.insert(items.index(base), target)
        elif splits and target is not base and int(lx.value) == base.quantity:
            target = base  # "2 lattes, one oat, one soy": the last one is what is left
    if base.quantity == 0:
        items.remove(base)


def _apply(draft: Draft, lx: Lex) -> None:
    if lx.kind == W.SIZE:
        draft.size = str(lx.value)
    elif lx.kind == W.MILK:
        draft.milk = str(lx.value)
    elif lx.kind == W.MILKWORD:
        draft.milk_word = True
    elif lx.kind == W.EXTRA and lx.value not in draft.extras:
        draft.extras.append(str(lx.value))
    elif lx.kind == W.DROP and lx.value in draft.extras:
        draft.extras.remove(str(lx.value))
    elif lx.kind == W.SUGAR:
        draft.sugar = int(lx.value)
    elif lx.kind == W.WHO:
        draft.who = str(lx.value)


def _chunks(lexes: list[Lex]) -> list[list[Lex]]:
    """The lexemes between separators (words that are not order language left out)."""
    chunks: list[list[Lex]] = []
    chunk: list[Lex] = []
    for lx in lexes:
        kind = lx.kind
        if kind == _SEP:
            if chunk:
                chunks.append(chunk)
                chunk = []
        elif kind != _OTHER:
            chunk.append(lx)
    if chunk:
        chunks.append(chunk)
    return chunks


_SEP, _OTHER, _DRINK = W.SEP, W.OTHER, W.DRINK


def _split_between(seg: list[Lex], after_next: list[Lex]) -> tuple[list[Lex], list[Lex]]:
    """Lexemes between two drinks: which belong to the first, which to the second."""
    next_has = {lx.kind for lx in after_next}
    after_with = False
    cut = len(seg)
    for k, lx in enumerate(seg):
        after_with = after_with or lx.kind == W.WITH
        starts_item = lx.kind == W.SIZE or (lx.kind == W.NUM and not lx.mult)
        bare = lx.kind in (W.MILK, W.EXTRA, W.MILKWORD) and not after_with
        if starts_item or (bare and lx.kind not in next_has):
            cut = k
            break
    mine = seg[:cut] + [lx for lx in seg[cut:] if lx.kind == W.SUGAR or lx.mult]
    return mine, [lx for lx in seg[cut:] if not (lx.kind == W.SUGAR or lx.mult)]


def _drink_ahead(lexes: list[Lex], i: int) -> bool:
    for lx in lexes[i:]:
        if lx.kind == W.SEP:
            return False
        if lx.kind in (W.DRINK, W.AMBIG, W.SIZE):
            return True
    return False


def _drink_behind(out: list[Lex]) -> bool:
    for lx in reversed(out):
        if lx.kind == W.SEP:
            return False
        if lx.kind == W.DRINK:
            return True
    return False
