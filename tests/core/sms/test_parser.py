"""The SMS order language: the shared dev corpus, the known traps, unseen-style texts, event menus
and hostile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expresso_desktop.core.menu import Menu, load_default_menu
from expresso_desktop.core.sms.parser import (
    MAX_ITEMS,
    MAX_QUANTITY,
    Change,
    OrderItem,
    ParseResult,
    SmsParser,
    parse_sms,
)
from tests.paths import SHARED
from tests.sms_schema import assert_schema

CORPORA = (SHARED / "sms" / "dev-corpus.jsonl", SHARED / "sms" / "dev-corpus-2.jsonl")


def _corpus(path: Path | None = None) -> list[dict[str, Any]]:
    cases = []
    for corpus in (path,) if path else CORPORA:
        if corpus.exists():
            lines = corpus.read_text(encoding="utf-8").splitlines()
            cases += [json.loads(line) | {"file": corpus.name} for line in lines if line]
    return cases


@pytest.fixture(scope="module")
def parser() -> SmsParser:
    return SmsParser(load_default_menu())


def parse(parser: SmsParser, text: str) -> dict[str, Any]:
    return parser.parse(text).to_dict()


def assert_matches(result: dict[str, Any], expect: dict[str, Any]) -> None:
    """Every key in ``expect`` must match; item keys not given are not checked."""
    for key, want in expect.items():
        if key != "items":
            assert result[key] == want, (key, result)
            continue
        assert len(result["items"]) == len(want), result
        for got, item in zip(result["items"], want, strict=True):
            for item_key, value in item.items():
                assert got[item_key] == value, (item_key, result)


# -- the shared dev corpus ---------------------------------------------------------------------
@pytest.mark.parametrize("case", _corpus(), ids=lambda c: f"{c['file']}:{c['text']}")
def test_dev_corpus(parser: SmsParser, case: dict[str, Any]) -> None:
    result = parse(parser, case["text"])
    assert_schema(result)
    assert_matches(result, case["expect"])


def test_both_dev_corpora_are_present() -> None:
    assert len(_corpus(CORPORA[0])) >= 50
    assert len(_corpus(CORPORA[1])) >= 8


# -- schema ------------------------------------------------------------------------------------
def test_plain_latte_carries_every_default(parser: SmsParser) -> None:
    assert parser.parse("latte").to_dict() == {
        "intent": "order",
        "items": [
            {
                "drink": "latte",
                "size": "medium",
                "milk": "full cream",
                "sugar": 0,
                "quantity": 1,
                "extras": [],
            }
        ],
        "station": None,
        "name": None,
    }


def test_results_are_frozen_dataclasses(parser: SmsParser) -> None:
    result = parser.parse("2 lattes")
    assert isinstance(result, ParseResult) and isinstance(result.items[0], OrderItem)
    assert result.items[0].extras == ()
    with pytest.raises(AttributeError):
        result.items[0].quantity = 3  # type: ignore[misc]


def test_non_order_intents_have_no_items(parser: SmsParser) -> None:
    assert parse(parser, "where's my latte?") == {
        "intent": "status",
        "items": [],
        "station": None,
        "name": None,
    }


# -- known traps (product.md) ------------------------------------------------------------------
def test_white_in_flat_white_is_not_milk_or_sugar(parser: SmsParser) -> None:
    item = parse(parser, "flat white")["items"][0]
    assert (item["drink"], item["milk"], item["sugar"]) == ("flat white", "full cream", 0)
    item = parse(parser, "large flat white with 2 sugars")["items"][0]
    assert (item["size"], item["milk"], item["sugar"]) == ("large", "full cream", 2)


def test_regular_is_a_size_not_the_usual(parser: SmsParser) -> None:
    result = parse(parser, "regular latte")
    assert result["intent"] == "order"
    assert result["items"][0]["size"] == "medium"
    assert parse(parser, "Regular cap please")["items"][0]["size"] == "medium"
    assert parse(parser, "my regular please")["intent"] != "usual"
    assert parse(parser, "my usual please")["intent"] == "usual"


def test_for_station_2_is_a_station_not_sugar_or_a_name(parser: SmsParser) -> None:
    result = parse(parser, "latte for station 2")
    assert result["station"] == 2
    assert result["name"] is None
    assert result["items"][0]["sugar"] == 0
    assert result["items"][0]["quantity"] == 1
    assert parse(parser, "Flat white for station two")["station"] == 2


def test_chai_latte_is_not_a_latte(parser: SmsParser) -> None:
    for text in ("chai latte", "chai", "large chai latte with soy", "chai lattee"):
        items = parse(parser, text)["items"]
        assert [i["drink"] for i in items] == ["chai latte"], text
    assert parse(parser, "matcha latte")["items"][0]["drink"] == "matcha latte"


def test_extra_hot_is_not_hot_and_hot_chocolate_is_not_extra_hot(parser: SmsParser) -> None:
    item = parse(parser, "extra hot latte")["items"][0]
    assert (item["drink"], item["extras"]) == ("latte", ["extra hot"])
    item = parse(parser, "large hot chocolate")["items"][0]
    assert (item["drink"], item["extras"]) == ("hot chocolate", [])
    item = parse(parser, "hot chocolate extra hot")["items"][0]
    assert (item["drink"], item["extras"]) == ("hot chocolate", ["extra hot"])
    # the fuzzy phrase "an extra shot" must not swallow a correctly spelt "an extra hot"
    item = parse(parser, "could I grab an extra hot skinny latte")["items"][0]
    assert (item["milk"], item["extras"]) == ("skim", ["extra hot"])


def test_mac_alone_is_ambiguous_and_asked_about(parser: SmsParser) -> None:
    for text in ("mac", "a mac please", "Can I get a mac?"):
        result = parser.parse(text)
        assert (result.intent, result.items, result.unclear) == ("unknown", (), "mac"), text
    assert parse(parser, "2 macs")["items"][0]["quantity"] == 2  # a number: drinks
    drinks = [i["drink"] for i in parse(parser, "latte and a mac")["items"]]
    assert drinks == ["latte", "macchiato"]
    assert parser.parse("macchiato").unclear is None
    assert parse(parser, "short mac")["items"][0]["drink"] == "macchiato"


def test_mac_next_to_a_drink_is_macadamia_milk(parser: SmsParser) -> None:
    for text in ("mac latte", "latte mac", "latte with mac", "mac milk flat white"):
        items = parse(parser, text)["items"]
        assert len(items) == 1, text
        assert items[0]["milk"] == "macadamia", text
        assert items[0]["drink"] != "macchiato", text


def test_double_espresso_is_espresso_with_an_extra_shot(parser: SmsParser) -> None:
    item = parse(parser, "double espresso")["items"][0]
    assert (item["drink"], item["milk"], item["extras"]) == ("espresso", "none", ["extra shot"])


def test_black_drinks_have_no_milk_unless_asked(parser: SmsParser) -> None:
    assert parse(parser, "long black")["items"][0]["milk"] == "none"
    assert parse(parser, "long black with milk")["items"][0]["milk"] == "full cream"
    assert parse(parser, "long black with a dash of milk")["items"][0]["milk"] == "full cream"
    assert parse(parser, "espresso with a splash of oat milk")["items"][0]["milk"] == "oat"
    assert parse(parser, "latte no milk")["items"][0]["milk"] == "none"


@pytest.mark.parametrize("name", ["Hilary", "Yoshi", "Supriya", "Heidi", "Hayden"])
def test_names_that_start_like_greetings_are_names(parser: SmsParser, name: str) -> None:
    result = parse(parser, f"{name} here, large latte please")
    assert result["name"] == name
    assert result["intent"] == "order"
    assert parse(parser, f"Hi it's {name}")["name"] == name


@pytest.mark.parametrize(
    "text", ["STOP", "stop", "Cancel", "CANCEL", "stopall", "UNSUBSCRIBE", "End", "quit", "Stop!"]
)
def test_bare_carrier_opt_out_words_are_stop(parser: SmsParser, text: str) -> None:
    assert parse(parser, text)["intent"] == "stop"


@pytest.mark.parametrize(
    "text",
    [
        "cancel order",
        "cancel my order",
        "please cancel the latte",
        "Cancel my order pls",
        "cancle my order",
    ],
)
def test_cancel_needs_more_than_the_bare_word(parser: SmsParser, text: str) -> None:
    assert parse(parser, text)["intent"] == "cancel"


@pytest.mark.parametrize("text", ["START", "unstop", "Yes"])
def test_opt_back_in(parser: SmsParser, text: str) -> None:
    assert parse(parser, text)["intent"] == "start"


def test_markup_is_never_a_name(parser: SmsParser) -> None:
    result = parse(parser, "latte for <img src=x onerror=alert(1)>")
    assert result["intent"] == "order"
    assert result["name"] is None
    assert parse(parser, "latte for <b>Sam</b>")["name"] == "Sam"


def test_for_the_team_and_for_me_are_not_names(parser: SmsParser) -> None:
    for text in ("3 flat whites for the team", "latte for me", "Flat white for my boss"):
        result = parse(parser, text)
        assert result["intent"] == "order", text
        assert result["name"] is None, text


def test_unknown_words_do_not_derail_an_order(parser: SmsParser) -> None:
    result = parse(parser, "hiya can i grab a large oat flat white thanks legend")
    assert result["intent"] == "order"
    assert result["name"] is None
    assert_matches(result, {"items": [{"drink": "flat white", "size": "large", "milk": "oat"}]})


def test_running_late_is_not_a_latte(parser: SmsParser) -> None:
    assert parse(parser, "running late")["intent"] == "unknown"
    assert parse(parser, "sorry running late, where's my coffee")["intent"] == "status"
    assert parse(parser, "can i get a late")["items"][0]["drink"] == "latte"


# -- unseen-style texts ------------------------------------------------------------------------
UNSEEN: list[tuple[str, dict[str, Any]]] = [
    # typos
    ("lattte", {"intent": "order", "items": [{"drink": "latte"}]}),
    ("cappuccinno please", {"intent": "order", "items": [{"drink": "cappuccino"}]}),
    ("flat whte", {"items": [{"drink": "flat white", "milk": "full cream"}]}),
    ("long blak please", {"items": [{"drink": "long black", "milk": "none"}]}),
    ("large lattte w/ soy", {"items": [{"drink": "latte", "size": "large", "milk": "soy"}]}),
    ("hot chocolat with 1 suger", {"items": [{"drink": "hot chocolate", "sugar": 1}]}),
    ("mocah", {"items": [{"drink": "mocha"}]}),
    ("staion 3 latte", {"station": 3, "items": [{"drink": "latte"}]}),
    # quantities and multiple items
    (
        "a latte and 2 long blacks",
        {"items": [{"quantity": 1}, {"drink": "long black", "quantity": 2}]},
    ),
    (
        "latte, cap, fw",
        {"items": [{"drink": "latte"}, {"drink": "cappuccino"}, {"drink": "flat white"}]},
    ),
    ("a couple of lattes", {"items": [{"drink": "latte", "quantity": 2}]}),
    ("2x latte", {"items": [{"drink": "latte", "quantity": 2}]}),
    ("lg cap x 2", {"items": [{"drink": "cappuccino", "size": "large", "quantity": 2}]}),
    ("espresso x 2 and a macchiato", {"items": [{"quantity": 2}, {"drink": "macchiato"}]}),
    ("one latte one cap", {"items": [{"drink": "latte"}, {"drink": "cappuccino"}]}),
    (
        "1 large oat latte + 1 small soy cap",
        {
            "items": [
                {"drink": "latte", "size": "large", "milk": "oat"},
                {"drink": "cappuccino", "size": "small", "milk": "soy"},
            ]
        },
    ),
    (
        "3 lattes: 1 oat 1 soy 1 skim",
        {"items": [{"milk": "oat"}, {"milk": "soy"}, {"milk": "skim"}]},
    ),
    (
        "2 lattes, one with oat",
        {"items": [{"milk": "oat", "quantity": 1}, {"milk": "full cream", "quantity": 1}]},
    ),
    (
        "Hi! 1 large cap and 1 small latte, both skim please. Station 2. Cheers, Priya",
        {
            "station": 2,
            "name": "Priya",
            "items": [{"size": "large", "milk": "skim"}, {"size": "small", "milk": "skim"}],
        },
    ),
    ("latte in 5 mins", {"items": [{"drink": "latte", "quantity": 1}]}),
    ("table 4, latte", {"items": [{"drink": "latte", "quantity": 1}], "station": None}),
    # modifiers either side of the drink, sugar
    ("FLAT WHITE OAT LARGE", {"items": [{"size": "large", "milk": "oat"}]}),
    ("lrg fw oat 2 sug", {"items": [{"drink": "flat white", "size": "large", "sugar": 2}]}),
    ("two sweeteners in a large cap", {"items": [{"sugar": 2, "size": "large"}]}),
    ("latte 2 sugars and a cap no sugar", {"items": [{"sugar": 2}, {"sugar": 0}]}),
    ("flat white with one", {"items": [{"drink": "flat white", "sugar": 1}]}),
    ("latte with 2 shots", {"items": [{"extras": ["extra shot"]}]}),
    ("vanilla iced latte no ice", {"items": [{"extras": ["vanilla"]}]}),
    ("weak latte", {"items": [{"extras": ["half strength"]}]}),
    ("skinny decaf cap extra hot", {"items": [{"milk": "skim", "extras": ["decaf", "extra hot"]}]}),
    ("black coffee", {"items": [{"drink": "long black", "milk": "none"}]}),
    ("earl grey no milk", {"items": [{"drink": "tea", "milk": "none"}]}),
    # names and stations
    (
        "Hey, its Tash. Can I get a large mocha?",
        {"name": "Tash", "items": [{"drink": "mocha", "size": "large"}]},
    ),
    ("Can I get a large almond latte? - Dave", {"name": "Dave", "items": [{"milk": "almond"}]}),
    ("Latte pls. Station 3. Thx! Ben", {"name": "Ben", "station": 3}),
    ("Stn 4, cap for Ahmed", {"name": "Ahmed", "station": 4}),
    ("name is kim, cap", {"name": "Kim", "items": [{"drink": "cappuccino"}]}),
    ("this is Lee, 2 cappuccinos", {"name": "Lee", "items": [{"quantity": 2}]}),
    ("Large latte, Sam", {"name": "Sam"}),
    ("Latte for Sam Smith", {"name": "Sam Smith"}),
    ("LATTE FOR SAM", {"name": "Sam"}),
    ("Zoë here - latte", {"name": "Zoë", "items": [{"drink": "latte"}]}),
    ("latte @2", {"station": 2}),
    ("latte at 2", {"station": 2}),
    ("latte at 2pm", {"station": None, "items": [{"quantity": 1}]}),
    ("I'm at station 3, large cap please", {"station": 3, "name": None}),
    # intents
    ("Where is my order?", {"intent": "status"}),
    ("any update on my latte", {"intent": "status"}),
    ("how long?", {"intent": "status"}),
    ("eta", {"intent": "status"}),
    ("large latte, how long will it be", {"intent": "order"}),
    ("what milks do you have", {"intent": "menu"}),
    ("whats on the menu", {"intent": "menu"}),
    ("do you have chai?", {"intent": "menu"}),
    ("what can i order", {"intent": "menu"}),
    ("help", {"intent": "help"}),
    ("how does this work", {"intent": "help"}),
    ("same again", {"intent": "usual"}),
    ("same as last time please", {"intent": "usual"}),
    ("usual for Sam", {"intent": "usual", "name": "Sam"}),
    ("hey there", {"intent": "greeting"}),
    ("good afternoon team", {"intent": "greeting"}),
    ("Hi it's Supriya", {"intent": "greeting", "name": "Supriya"}),
    ("unsubscribe me", {"intent": "stop"}),
    ("stop texting me", {"intent": "stop"}),
    ("opt out", {"intent": "stop"}),
    ("hi, can you tell me the wifi password", {"intent": "unknown"}),
    ("I want a coffee", {"intent": "unknown"}),
]


@pytest.mark.parametrize(("text", "expect"), UNSEEN, ids=[t for t, _ in UNSEEN])
def test_unseen_texts(parser: SmsParser, text: str, expect: dict[str, Any]) -> None:
    result = parse(parser, text)
    assert_schema(result)
    if "items" in expect and "intent" not in expect:
        assert result["intent"] == "order"
    assert_matches(result, expect)


# -- event menus -------------------------------------------------------------------------------
def _event_menu() -> Menu:
    data = load_default_menu().to_dict()
    data["drinks"] = [d for d in data["drinks"] if d["name"] not in ("mocha", "macchiato")]
    data["drinks"].append(
        {"name": "turmeric latte", "synonyms": ["golden latte", "turmeric", "golden milk"]}
    )
    data["milks"].append({"name": "rice", "synonyms": ["rice milk"]})
    data["extras"].append({"name": "cinnamon", "synonyms": ["cinnamon sprinkle", "cinammon"]})
    for drink in data["drinks"]:
        if drink["name"] == "flat white":
            drink["synonyms"].append("flattie white")
    return Menu.from_dict(data)


def test_event_menu_removes_and_adds_drinks() -> None:
    event = SmsParser(_event_menu())
    assert parse(event, "mocha")["intent"] == "unknown"
    result = parse(event, "large golden latte with rice milk and cinnamon")
    assert_matches(
        result,
        {
            "intent": "order",
            "items": [
                {
                    "drink": "turmeric latte",
                    "size": "large",
                    "milk": "rice",
                    "extras": ["cinnamon"],
                }
            ],
        },
    )
    assert parse(event, "2 turmerik lattes")["items"][0]["drink"] == "turmeric latte"
    assert parse(event, "flattie white")["items"][0]["drink"] == "flat white"
    assert parse(event, "rice latte")["items"][0]["milk"] == "rice"


def test_event_without_macchiato_reads_mac_as_milk() -> None:
    event = SmsParser(_event_menu())
    assert parse(event, "mac latte")["items"][0]["milk"] == "macadamia"
    assert parse(event, "mac")["intent"] == "unknown"


def test_event_without_soy_does_not_invent_it(menu: Menu) -> None:
    event = SmsParser(menu.without(milks=["soy"]))
    item = parse(event, "soy latte")["items"][0]
    assert (item["drink"], item["milk"]) == ("latte", "full cream")


def test_parse_sms_caches_per_menu() -> None:
    event = _event_menu()
    assert parse_sms("golden latte", event).items[0].drink == "turmeric latte"
    assert parse_sms("golden latte").items[0].drink == "latte"  # default menu: just a latte
    assert parse_sms("mocha").items[0].drink == "mocha"
    assert parse_sms("mocha", event).intent == "unknown"


# -- hostile input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02",
        "😀😀😀",
        "<script>alert(1)</script>",
        "'; DROP TABLE orders; --",
        "Robert'); DROP TABLE students;--",
        "%s%s%s%n",
        "\u202e\u200b\ufeff",
        "ｌａｔｔｅ",
    ],
)
def test_junk_never_raises(parser: SmsParser, text: str) -> None:
    result = parser._parse(text)
    assert_schema(result.to_dict())
    if text != "ｌａｔｔｅ":
        assert result.intent == "unknown"
    else:
        assert result.items[0].drink == "latte"  # full-width letters are folded (NFKC)


def test_huge_input_is_bounded(parser: SmsParser) -> None:
    for text in (
        "latte " * 2000,
        "x" * 10_000,
        "9" * 10_000 + " lattes",
        bytes(range(256)).decode("latin-1") * 40,
        "flat white for Sam, " * 600,
    ):
        result = parser._parse(text).to_dict()
        assert_schema(result)
    huge = parse(parser, "latte " * 2000)
    assert len(huge["items"]) == MAX_ITEMS
    # a number too big to be drinks is not a quantity at all
    assert parse(parser, "1000000 lattes")["items"][0]["quantity"] == 1
    assert parse(parser, "99 lattes")["items"][0]["quantity"] == MAX_QUANTITY


def test_non_string_input_reads_as_unknown(parser: SmsParser) -> None:
    assert parser.parse(None).intent == "unknown"  # type: ignore[arg-type]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text())
def test_any_text_parses_to_the_schema(parser: SmsParser, text: str) -> None:
    assert_schema(parser._parse(text).to_dict())


WORDS = "latte cap oat 2 sugar for Sam station x and , mac no with milk one each both - ? large @"


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(WORDS.split()), max_size=25))
def test_any_word_salad_parses_to_the_schema(parser: SmsParser, words: list[str]) -> None:
    assert_schema(parser._parse(" ".join(words)).to_dict())


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_to_the_schema(parser: SmsParser, data: bytes) -> None:
    assert_schema(parser._parse(data.decode("utf-8", errors="replace")).to_dict())


# -- round 2 phenomena (issue 13): new sentences, never corpus lines ----------------------------
ROUND_2: list[tuple[str, dict[str, Any]]] = [
    # digits glued to letters are codes, never quantities; "x4" glued to a drink is
    (
        "PLATINUM77 cap for Noor",
        {"items": [{"drink": "cappuccino", "quantity": 1}], "name": "Noor"},
    ),
    ("room B12, flat white", {"items": [{"drink": "flat white", "quantity": 1}]}),
    ("staff id 90210 long black", {"items": [{"drink": "long black", "quantity": 1}]}),
    ("badge 3318 mocha", {"items": [{"drink": "mocha", "quantity": 1}]}),
    ("mochax3", {"items": [{"drink": "mocha", "quantity": 3}]}),
    ("capx2 oat", {"items": [{"drink": "cappuccino", "quantity": 2, "milk": "oat"}]}),
    ("stn3 latte", {"station": 3, "items": [{"quantity": 1}]}),
    # honest large quantities
    ("40 lattes for the conference", {"items": [{"drink": "latte", "quantity": 40}]}),
    ("thirty", {"intent": "unknown"}),
    # names: the sender, not the friend; sign-offs in lower case; name-words; hyphens
    (
        "cap for me and a long black for Ines - Omar",
        {"name": "Omar", "items": [{"drink": "cappuccino"}, {"drink": "long black"}]},
    ),
    ("mocha for me (Tamsin) and a tea for the boss", {"name": "Tamsin"}),
    ("large latte please, thanks ravi", {"name": "Ravi"}),
    ("oat cap ta, dom", {"name": "Dom"}),
    ("Long black,Anika", {"name": "Anika"}),
    ("Large latte for Will", {"name": "Will", "items": [{"drink": "latte"}]}),
    ("Cappuccino for Rose please", {"name": "Rose", "items": [{"drink": "cappuccino"}]}),
    ("Long black for Mac", {"name": "Mac", "items": [{"drink": "long black"}]}),
    ("latte for Mary-Kate", {"name": "Mary-Kate"}),
    ("flat white - D'Arcy", {"name": "D'Arcy"}),
    ("flat white for o'brien", {"name": "O'Brien"}),
    ("my name is <script>document.cookie</script>, latte", {"name": None}),
    ("latte for <i onmouseover=x()>Jo</i>", {"name": "Jo"}),
    # clipped, phonetic and keyboard typos
    ("3 lats", {"items": [{"drink": "latte", "quantity": 3}]}),
    ("cappu with soy", {"items": [{"drink": "cappuccino", "milk": "soy"}]}),
    ("a latter with oat", {"items": [{"drink": "latte", "milk": "oat"}]}),
    ("lartay", {"items": [{"drink": "latte"}]}),
    ("moka", {"items": [{"drink": "mocha"}]}),
    ("makiatto", {"items": [{"drink": "macchiato"}]}),
    ("chsi latte", {"items": [{"drink": "chai latte"}]}),
    # fractions for strength
    ("1/2 strength flat white", {"items": [{"quantity": 1, "extras": ["half strength"]}]}),
    ("2 caps ½ strength", {"items": [{"quantity": 2, "extras": ["half strength"]}]}),
]


@pytest.mark.parametrize(("text", "expect"), ROUND_2, ids=[t for t, _ in ROUND_2])
def test_round_2_phenomena(parser: SmsParser, text: str, expect: dict[str, Any]) -> None:
    result = parse(parser, text)
    assert_schema(result)
    if "items" in expect and "intent" not in expect:
        assert result["intent"] == "order"
    assert_matches(result, expect)


def test_friends_are_named_per_item_and_never_the_customer(parser: SmsParser) -> None:
    result = parser.parse("a mocha for Hugo and a chai for Lena")
    assert result.name is None and result.who == ("Hugo", "Lena")
    result = parser.parse("flat white for me and a cap for Dev - Lara")
    assert (result.name, result.who) == ("Lara", (None, "Dev"))
    single = parser.parse("flat white for Dev")
    assert (single.name, single.who) == ("Dev", ())  # one "for": the customer's own name


def test_changes_to_an_order_are_read_not_ordered(parser: SmsParser) -> None:
    oat = parser.parse("actually can you make it soy")
    assert oat.intent == "unknown" and oat.change == Change(milk="soy")
    assert parser.parse("sorry, make that a small").change == Change(size="small")
    assert parser.parse("add another sugar").change == Change(more_sugar=1)
    assert parser.parse("no sugar instead").change == Change(sugar=0)
    drink = parser.parse("actually make it a mocha")
    assert drink.change == Change(drink="mocha") and drink.items[0].drink == "mocha"
    assert parser.parse("large latte").change is None
    assert parser.parse("add a latte for Sam").change is None  # "add" with a drink: an order


def test_drinks_we_do_not_serve_are_named(parser: SmsParser) -> None:
    assert "smoothie" in parser.parse("can i get a mango smoothie").unserved
    assert parser.parse("iced frappe pls").unserved == ("frappe",)
    assert parser.parse("hello").unserved == ()


def test_a_drink_we_do_not_serve_beside_one_we_do_is_named_not_dropped(
    parser: SmsParser,
) -> None:
    mixed = parser.parse("latte and a pumpkin spice frappuccino")
    assert [i.drink for i in mixed.items] == ["latte"]
    assert mixed.unserved == ("pumpkin spice frappuccino",)  # one phrase, as sent
    assert "unserved" not in mixed.to_dict()  # never in the parse-sms JSON
    two = parser.parse("a latte, a beer and a mango smoothie for Sam")
    assert two.unserved == ("beer", "smoothie") and two.name == "Sam"
    # A word corrected to a menu word ("spice" -> "spiced") alone is not a drink we refuse.
    assert parser.parse("chai spice latte").unserved == ()
    assert parser.parse("large oat latte").unserved == ()
