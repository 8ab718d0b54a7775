"""The lexicon on its own: tokens, typo tolerance against the menu's words only, phrase lookup."""

from __future__ import annotations

import pytest

from expresso_desktop.core.menu import Menu, load_default_menu
from expresso_desktop.core.sms import words as W
from expresso_desktop.core.sms.lexicon import (
    MAX_CHARS,
    MAX_TOKENS,
    Lex,
    Lexicon,
    osa_distance,
    split_glued,
    tokenise,
)


@pytest.fixture(scope="module")
def menu() -> Menu:
    return load_default_menu()


@pytest.fixture(scope="module")
def lexicon(menu: Menu) -> Lexicon:
    return Lexicon(menu)


def read(lexicon: Lexicon, text: str) -> list[Lex]:
    tokens = tokenise(text)
    keys = [lexicon.correct(t.key) if t.kind == "word" else t.key for t in tokens]
    return lexicon.lex(tokens, keys)


def drinks(lexicon: Lexicon, text: str) -> list[str | int]:
    return [lex.value for lex in read(lexicon, text) if lex.kind == W.DRINK]


# -- tokens --------------------------------------------------------------------------------------
def test_tokens_keep_the_raw_word_and_a_plain_key() -> None:
    tokens = tokenise("Café, Zoë’s LATTE!")
    assert [(t.kind, t.raw, t.key) for t in tokens] == [
        ("word", "Café", "cafe"),
        ("sep", ",", ","),
        ("word", "Zoë’s", "zoes"),
        ("word", "LATTE", "latte"),
        ("sep", "!", "!"),
    ]


def test_shorthand_is_unpacked_before_tokens_are_cut() -> None:
    tokens = tokenise("2x flat-white w/ oat, 3*tea")
    assert [t.key for t in tokens] == ["2x", "flat", "white", "with", "oat", ",", "3", "x", "tea"]
    assert tokens[0].kind == "glued"  # the parser splits it: it knows "x" (and the menu)
    assert [t.key for t in split_glued(tokens[0])] == ["2", "x"]


def test_letters_glued_to_digits_are_one_token() -> None:
    assert [(t.kind, t.key) for t in tokenise("VIP7 latte")] == [
        ("glued", "vip7"),
        ("word", "latte"),
    ]


def test_fractions_are_half_and_names_keep_their_hyphens() -> None:
    assert [t.key for t in tokenise("1/2 strength")] == ["half", "strength"]
    assert [t.key for t in tokenise("½ strength")] == ["half", "strength"]
    assert [t.raw for t in tokenise("for Sarah-Jane, oat-milk")] == [
        "for",
        "Sarah-Jane",
        ",",
        "oat",
        "milk",
    ]


def test_a_script_goes_with_its_content() -> None:
    assert [t.key for t in tokenise("name is <script>alert(1)</script> latte")] == [
        "name",
        "is",
        "latte",
    ]
    assert [t.key for t in tokenise("<b>Sam</b> latte")] == ["sam", "latte"]


def test_markup_is_dropped_rather_than_read_as_words() -> None:
    assert [t.key for t in tokenise("<img src=x onerror=alert(1)> latte")] == ["latte"]


def test_long_repeats_fold_to_two_letters_but_short_words_are_kept() -> None:
    assert tokenise("soooo largeeee")[0].key == "soo"
    assert tokenise("largeeee")[0].key == "largee"
    assert tokenise("zzz")[0].key == "zzz"  # three letters or fewer: left alone


def test_huge_numbers_are_clamped_and_input_is_bounded() -> None:
    (big,) = tokenise("9" * 5000)
    assert big.value == 10_000
    assert tokenise("12.5")[0].value == 12
    assert len(tokenise("a " * 5000)) == MAX_TOKENS
    assert len(tokenise("a" * (MAX_CHARS - 1) + " latte")) == 1  # the drink lies past the cut


# -- distance ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "limit", "distance"),
    [
        ("latte", "latte", 1, 0),
        ("latte", "latet", 1, 1),  # a transposition is one edit
        ("latte", "late", 1, 1),
        ("kitten", "sitting", 5, 3),
        ("abc", "abcdef", 1, 2),  # beyond the limit: limit + 1
        ("", "abc", 3, 3),
    ],
)
def test_osa_distance(a: str, b: str, limit: int, distance: int) -> None:
    assert osa_distance(a, b, limit) == distance
    assert osa_distance(b, a, limit) == distance


# -- typo correction -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("cappuccinno", "cappuccino"),  # 5+ letters: one edit
        ("macadmia", "macadamia"),
        ("chocolte", "chocolate"),
        ("meduim", "medium"),  # a transposition
        ("laarge", "large"),
        ("suger", "sugar"),
        ("stattion", "station"),
        ("statsu", "status"),
        ("cancle", "cancel"),
    ],
)
def test_one_typo_in_a_menu_or_command_word_is_forgiven(
    lexicon: Lexicon, typo: str, word: str
) -> None:
    assert lexicon.correct(typo) == word


def test_long_words_forgive_two_typos_and_short_ones_none(lexicon: Lexicon) -> None:
    assert drinks(lexicon, "cappacinno") == ["cappuccino"]  # 10 letters: two edits
    assert lexicon.correct("macadmiaa") == "macadamia"
    assert lexicon.correct("smal") == "smal"  # 4 letters: never guessed
    assert lexicon.correct("larje") == "large"
    assert lexicon.correct("lrage") == "large"
    assert lexicon.correct("lrgae") == "lrgae"  # two edits in a 5-letter word: too far


@pytest.mark.parametrize("word", ["later", "smell", "frappe", "station", "hello", "thanks"])
def test_common_words_and_drinks_we_lack_are_never_bent_into_menu_words(
    lexicon: Lexicon, word: str
) -> None:
    assert lexicon.correct(word) == word


def test_plurals_fold_onto_the_menu_word(lexicon: Lexicon) -> None:
    assert drinks(lexicon, "2 flat whites") == ["flat white"]
    assert drinks(lexicon, "3 mochas") == ["mocha"]
    assert drinks(lexicon, "two teas") == ["tea"]


def test_typo_corrections_land_on_the_drink_they_meant(lexicon: Lexicon) -> None:
    assert drinks(lexicon, "mochaa") == ["mocha"]
    assert drinks(lexicon, "cortadoo") == ["cortado"]
    assert drinks(lexicon, "cappuccinno") == ["cappuccino"]


# -- phrases -------------------------------------------------------------------------------------
def test_the_rest_of_a_menu_phrase_may_be_one_typo_off_after_an_exact_first_word(
    lexicon: Lexicon,
) -> None:
    assert drinks(lexicon, "flat whte") == ["flat white"]
    assert drinks(lexicon, "long blak") == ["long black"]
    assert drinks(lexicon, "hot choclate") == ["hot chocolate"]
    assert drinks(lexicon, "flot white") != ["flat white"]  # the first word must be exact


def test_a_menu_word_is_never_bent_into_another_inside_a_phrase(lexicon: Lexicon) -> None:
    lexes = read(lexicon, "an extra hot latte")
    assert [(lex.kind, lex.value) for lex in lexes] == [
        (W.NUM, 1),
        (W.EXTRA, "extra hot"),
        (W.DRINK, "latte"),
    ]


def test_longest_phrase_wins(lexicon: Lexicon) -> None:
    assert drinks(lexicon, "chai latte") == ["chai latte"]
    assert drinks(lexicon, "hot chocolate") == ["hot chocolate"]
    assert drinks(lexicon, "longblack") == ["long black"]  # run together
    assert [lex.kind for lex in read(lexicon, "soy milk")] == [W.MILK]


def test_double_espresso_is_an_extra_and_a_drink(lexicon: Lexicon) -> None:
    assert [(lex.kind, lex.value) for lex in read(lexicon, "double espresso")] == [
        (W.EXTRA, "extra shot"),
        (W.DRINK, "espresso"),
    ]


def test_mac_is_ambiguous_while_the_menu_has_both_readings(menu: Menu) -> None:
    (both,) = read(Lexicon(menu), "mac")
    assert (both.kind, both.value, both.alt) == (W.AMBIG, "macchiato", "macadamia")
    (milk,) = read(Lexicon(menu.without(drinks=["macchiato"])), "mac")
    assert (milk.kind, milk.value) == (W.MILK, "macadamia")
    (drink,) = read(Lexicon(menu.without(milks=["macadamia"])), "mac")
    assert (drink.kind, drink.value) == (W.DRINK, "macchiato")


def test_a_weak_drink_word_after_an_unknown_word_is_not_a_drink(lexicon: Lexicon) -> None:
    assert drinks(lexicon, "running late") == []
    assert drinks(lexicon, "late") == ["latte"]


def test_a_drink_the_menu_lacks_is_not_in_the_lexicon(menu: Menu) -> None:
    assert drinks(Lexicon(menu.without(drinks=["chai latte"])), "chai latte") != ["chai latte"]
    assert not Lexicon(menu.without(milks=["soy"])).is_menu_word("soy")
    assert Lexicon(menu).is_menu_word("soy")
