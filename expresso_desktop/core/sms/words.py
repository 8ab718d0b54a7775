"""Fixed word tables of the SMS order language (everything that is not on the menu).

The menu supplies drinks, sizes, milks and extras; this module supplies the glue words: numbers,
sugar, separators, intent keywords, and the common English words that typo correction must leave
alone and that can never be a customer's name.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string (easier to read and edit)."""
    return frozenset(text.split())


# Lexeme kinds produced by the lexicon (see ``sms_lexicon.Lex``).
DRINK = "drink"
SIZE = "size"
MILK = "milk"
EXTRA = "extra"
DROP = "drop"  # a negated extra: "no ice" takes "iced" off the item
AMBIG = "ambig"  # a word that is a drink or a milk depending on context ("mac")
NUM = "num"
SUGAR = "sugar"  # a resolved sugar count
SUGARWORD = "sugarword"
SHOTWORD = "shotword"
MILKWORD = "milkword"  # "with milk", "dash of milk": the default milk, even for black drinks
WITH = "with"
NEG = "neg"
EACH = "each"
TIMES = "times"  # the "x" of "x2" / "2x"
UNIT = "unit"  # "spoons of", "sachets": counts that belong to the sugar after them
TIMEWORD = "time"  # "5 mins", "at 2pm": the number is not a quantity
PLACE = "place"  # "table 4", "level 3", "badge 4471": the number is not a quantity
WHO = "who"  # a friend an item is for ("a mocha for Ben"); value "" is the sender ("for me")
SEP = "sep"
OTHER = "other"

NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "single": 1,
    "dozen": 12,
}

# Multi-word quantities, as phrases (value, weak). "a"/"an" are weak: they never split an item.
QUANTITY_PHRASES: dict[str, tuple[int, bool]] = {
    "a": (1, True),
    "an": (1, True),
    "a couple of": (2, False),
    "a couple": (2, False),
    "couple of": (2, False),
    "couple": (2, False),
    "a pair of": (2, False),
    "pair of": (2, False),
    "a dozen": (12, False),
    "half a dozen": (6, False),
}

GLUE_PHRASES: dict[str, str] = {
    # sugar
    "sugar": SUGARWORD,
    "sugars": SUGARWORD,
    "sug": SUGARWORD,
    "sugs": SUGARWORD,
    "sugr": SUGARWORD,
    "shuga": SUGARWORD,
    "shugar": SUGARWORD,
    "sweetener": SUGARWORD,
    "sweeteners": SUGARWORD,
    "sweetner": SUGARWORD,
    "sweetners": SUGARWORD,
    "equal": SUGARWORD,
    "splenda": SUGARWORD,
    "stevia": SUGARWORD,
    "raw sugar": SUGARWORD,
    "brown sugar": SUGARWORD,
    "white sugar": SUGARWORD,
    "sugar cube": SUGARWORD,
    "sugar cubes": SUGARWORD,
    "spoon of": UNIT,
    "spoons of": UNIT,
    "spoons": UNIT,
    "spoon": UNIT,
    "teaspoon of": UNIT,
    "teaspoons of": UNIT,
    "teaspoons": UNIT,
    "teaspoon": UNIT,
    "tsp": UNIT,
    "tsps": UNIT,
    "tsp of": UNIT,
    "sachets of": UNIT,
    "sachets": UNIT,
    "packets of": UNIT,
    "packets": UNIT,
    "lumps of": UNIT,
    "lumps": UNIT,
    "cubes of": UNIT,
    "cubes": UNIT,
    # shots: "2 shots" is an extra shot, "a shot of vanilla" is vanilla
    "shot": SHOTWORD,
    "shots": SHOTWORD,
    # milk without saying which
    "milk": MILKWORD,
    "with milk": MILKWORD,
    "white": MILKWORD,
    "milky": MILKWORD,
    "dash of milk": MILKWORD,
    "a dash of milk": MILKWORD,
    "splash of milk": MILKWORD,
    "a splash of milk": MILKWORD,
    "bit of milk": MILKWORD,
    "a bit of milk": MILKWORD,
    "touch of milk": MILKWORD,
    "a touch of milk": MILKWORD,
    "drop of milk": MILKWORD,
    "a drop of milk": MILKWORD,
    "little milk": MILKWORD,
    "a little milk": MILKWORD,
    "some milk": MILKWORD,
    "milk on the side": MILKWORD,
    # structure
    "with": WITH,
    "w": WITH,
    "plus extra": WITH,
    "no": NEG,
    "not": NEG,
    "without": NEG,
    "minus": NEG,
    "hold the": NEG,
    "skip the": NEG,
    "each": EACH,
    "both": EACH,
    "all": EACH,
    "all of them": EACH,
    "for all": EACH,
    "x": TIMES,
    "times": TIMES,
    "and": SEP,
    "plus": SEP,
    "also": SEP,
    "then": SEP,
    "n": SEP,
    "as well as": SEP,
    # numbers that are not quantities
    "min": TIMEWORD,
    "mins": TIMEWORD,
    "minute": TIMEWORD,
    "minutes": TIMEWORD,
    "sec": TIMEWORD,
    "secs": TIMEWORD,
    "hour": TIMEWORD,
    "hours": TIMEWORD,
    "hr": TIMEWORD,
    "hrs": TIMEWORD,
    "am": TIMEWORD,
    "pm": TIMEWORD,
    "oclock": TIMEWORD,
    "o clock": TIMEWORD,
    "people": TIMEWORD,
    "ppl": TIMEWORD,
    "table": PLACE,
    "tbl": PLACE,
    "room": PLACE,
    "level": PLACE,
    "floor": PLACE,
    "desk": PLACE,
    "seat": PLACE,
    "booth": PLACE,
    "row": PLACE,
    "gate": PLACE,
    "bay": PLACE,
    "number": PLACE,
    "order number": PLACE,
    "badge": PLACE,
    "id": PLACE,
    "code": PLACE,
    "pin": PLACE,
    "ref": PLACE,
    "ticket": PLACE,
    "voucher": PLACE,
    "coupon": PLACE,
    "promo": PLACE,
    "member": PLACE,
    "membership": PLACE,
    "locker": PLACE,
    "ext": PLACE,
    "extension": PLACE,
    "suite": PLACE,
}

# Numbers written with these after them are not sugar (they are handled as written).
SUGAR_FREE_PHRASES = ("sugar free", "sugarfree", "no sugar", "zero sugar", "without sugar")

# "mac": macchiato or macadamia? Readings are (kind, canonical name); sms_grammar._ambiguity picks.
AMBIGUOUS: dict[str, tuple[tuple[str, str], ...]] = {
    "mac": ((DRINK, "macchiato"), (MILK, "macadamia")),
}

# Drinks (and milks) that exist whether or not this event serves them: never "corrected" into a
# neighbour on the menu ("mocha" must not become "macha" when an event drops mocha).
KNOWN_DRINKS = word_set(
    """mocha mochas macchiato macchiatos cortado piccolo latte lattes cappuccino espresso americano
    matcha chai affogato ristretto lungo babycino babyccino frappe frappuccino smoothie juice
    milkshake shake soda lemonade kombucha cocoa chocolate decaf coconut almond macadamia
    cashew hazelnut vanilla caramel"""
)

# Drinks nobody serves at a coffee cart (or this event dropped): "we don't serve that", not "what
# would you like?". Checked only against words the menu doesn't know.
NOT_SERVED = KNOWN_DRINKS | word_set(
    """frappe frappes frappuccino frappuccinos frap smoothie smoothies juice juices milkshakes
    shakes sodas coke pepsi beer beers wine cocktail cocktails pumpkin spice coldbrew brew
    affogatos ristrettos babycinos energy redbull cider"""
)

# Everyday words that are also first names ("latte for Will", "Flat white for Mac"): a name only
# where a name is expected (after "for", a sign-off or "I'm") and written like one.
NAME_WORDS = word_set(
    """will rose mac mark bill pat sue joy hope grace may june april dawn rob jack frank drew chase
    pearl ruby amber olive max ray dean bob jay kit sky summer faith iris holly ivy lily daisy
    violet hazel ginger sandy miles nick rich rod wade cole ash basil carol don earl penny gene art
    ben sunny autumn rusty"""
)

# Words that say "change the order I just sent" rather than "a new order".
AMEND_CUES = word_set("actually change changed switch swap instead add make oops sorry edit")
AMEND_STRONG = word_set("actually change changed switch swap instead oops edit")

# Drink synonyms that are also everyday words: a drink only when not right after an unknown word.
WEAK_SYNONYMS = frozenset({"late"})

STATION_WORDS = frozenset({"station", "stn", "st", "stall", "stand", "statn", "stations"})
STATION_NUMBER_FILLERS = frozenset({"number", "no", "num", "nr"})
STATION_LEADERS = frozenset({"at", "for", "to", "from", "on", "the"})

OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
OPT_IN = frozenset({"start", "unstop", "yes"})
HELP_WORDS = frozenset({"help", "info", "helpme", "instructions", "commands", "command"})

GREETING_RE = (
    r"h+i+|h+e+y+a*|hiy+a+|hell+o+|hallo+|helo+|hullo|howdy|yo+|gday|morning|mornin|"
    r"morn|afternoon|arvo|evening|greetings|sup|hola|bonjour|ciao|aloha|kia|ora|namaste|good|"
    r"thanks|thank|thankyou|thanx|thx|ty|tks|cheers|ta"
)
GREETING_FILLER = word_set(
    """there all everyone everybody team guys folks mate mates peeps friends people you u how are r
    hows it going doing whats up again its im i am this is here me lovely nice day and to oh ok okay
    just so much very the a my name s"""
)

# Words around a name that can never be the name itself.
NAME_STOP = word_set(
    """me my myself us our ours we you your yours him her them his their it its the a an this that
    these those team office everyone everybody all boss bosses mum mom dad mother father friend
    friends colleague colleagues mate mates wife husband partner kids kid son daughter client
    clients guest guests guy guys group crew staff people ppl here there now later today tonight
    tomorrow takeaway take away pickup pick up dine station stn st stall stand table work meeting
    lunch breakfast dinner morning afternoon evening asap please pls plz thanks thank thx cheers ta
    ok okay yes no yeah yep sure good great fine well cool awesome legend hot cold warm free one
    two both each other another someone somebody him herself himself usual same order orders
    coffee coffees cup cups drink drinks tea hungry thirsty keen after about just going coming
    waiting ready running late sorry outside inside nearby back front desk the anyone name is am
    are was be been at in on of to and or so do go get got can will would could should what when
    where who why how if but not no off out up down over with too very really also just only
    still heaps lots muchly champ buddy pal love darl hun babe dear sir maam bro sis cuz chief gang
    fam barista baristas starving tired dying desperate wondering new sick done finished leaving
    parched exhausted freezing stuck lost confused interested allergic vegan intolerant pregnant
    wanting needing craving hoping ordering urgent quick sweetie everybody dude man darling
    sweetheart matey bud fella bloke hon kindly mucho alot lot lots again all x xx xxx xo"""
)

# Common words typo correction must never turn into menu words ("later" -> latte, "there" ->
# three, "while" -> whole) and that are never taken as names in an all-lower-case text.
COMMON = word_set(
    """about above after again against almost aloha alone along already alright also although always
    american among another anyone anything anyway anywhere around arrive aside asked awesome awful
    bacon barge because become before behind being below beside best better between beyond bigger
    blank blanket block bloody board bread bring brought brown build built burnt busy cake called
    calling came cancer cannot catch cause change cheap check cheers cheese chips chosen clean
    clear close closed coffee coffees colder coming could couldnt count course creamy cross daily
    dance dated diary doing donut doubt dream dressed drink drinks earlier early eight eighty
    either email empty enjoy enough entry every everyone everything exact excellent express
    extract fairy family famous fancy fifty first fixed flash flats floor focus formal forty found
    fresh friend front fruit funny games gather given going gonna gotta grade grand grant great
    greedy greet group guess hairy happen happy harder heard heart heavy hello hotel house however
    hungry hurry inside itself jokes keeps kinda lately later least leave legend lemon
    likes limit local looking lovely lucky lunch match maybe means meant mecca meeting might
    minute money month morning mostly mother moved music myself nation needs never night nights
    ninety noted nothing number often order orders other others otter outside owner paper party
    pasta patch pause phone photo place plate please point potter pound power press price print
    quick quiet quite ready right round salad sandwich sauce scone seems serve seven seventy share
    shirt should since sixty slate sleep smell smile sorry sound space speak spend sport staff
    stage stall state states statue steak still stock store story straight street stuff supper
    sweet table taken takes taking teams thank thanks thats their theirs there these thing things
    think third those three through tight title toast today toilet toilets total touch tough tower
    track truly trying twice under until upper using visual wait waiting watch water whale where
    which while whose would write wrong youre yours"""
)
