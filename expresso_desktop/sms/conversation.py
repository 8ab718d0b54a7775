"""The customer conversation: one inbound text in, the reply (and any order placed) out.

Runs inside the single writer on the caller's ``Tx``; knows nothing about HTTP or Twilio, so the
webhook, the simulator and the tests drive exactly the same code. Everything it remembers lives in
the store (``Customer`` and its conversation state), so a restart loses nothing.

A turn, in order: STOP and START are always recorded (opting out must never be lost to a limit);
an opted-out number hears nothing, not even "slow down", until START; the flood limit (more than
``FLOOD_LIMIT`` texts a minute → one "slow down" per window, then silence); then the parsed intent
decides. An order needs a name the first time (the drink waits in the state while we ask);
after that the name and the last order ("my usual") are remembered.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import parse_order_number, status_phrase
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.core.routing import Unroutable
from expresso_desktop.core.sms.parser import Intent, ParseResult, SmsParser
from expresso_desktop.core.templates import TemplateSet, plain
from expresso_desktop.services.orders import CUSTOMER_CANCEL_REASON, cancel_order, place_order
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import event_zone, load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import customers
from expresso_desktop.sms.customers import ConversationState, Pending, specs_from_dicts
from expresso_desktop.sms.replies import Replies
from expresso_desktop.sms.status import open_orders, wait_for
from expresso_desktop.store.repositories import orders_repo, settings_repo
from expresso_desktop.store.tables import Customer, Order, Station
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

SPONSOR_SETTING = "sponsor_line"
SETTINGS = frozenset({"settings"})
MAX_NAME_CHARS = 30
_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’.\- ])*$")
_NAME_PREFIX = re.compile(r"^(?:(?:my )?name(?: is|:)?|it'?s|i'?m|i am|this is|call me)\s+", re.I)
# Short replies that answer "what name?" without being one.
_NOT_NAMES = frozenset(
    {"ok", "okay", "k", "thanks", "thank you", "thx", "ta", "cheers", "no", "nope", "yes", "yeah"}
    | {"yep", "sure", "what", "why", "huh", "hello", "hi", "hey", "sorry", "pardon", "later"}
    | {"nevermind", "never mind", "idk", "dunno", "no name", "none"}
)


@dataclass(frozen=True)
class Outcome:
    """What a text led to: the reply (None: say nothing) and the order it placed, if any."""

    reply: str | None
    intent: str
    order: Order | None = None
    customer_id: int | None = None


@dataclass
class _Turn:
    tx: Tx
    customer: Customer
    state: ConversationState
    now: datetime


class Conversation:
    """One event's SMS conversation. Holds no per-customer state itself."""

    def __init__(
        self,
        *,
        event_id: int,
        menu: Menu,
        templates: TemplateSet,
        parser: SmsParser | None = None,
        cache: ReadCache | None = None,
    ) -> None:
        self.event_id = event_id
        self.menu = menu
        self.parser = parser or SmsParser(menu)
        self.replies = Replies(templates, menu)
        # Stations, stock, schedule and settings between texts (see services.read_cache).
        self.cache = cache

    def handle(self, tx: Tx, phone: str, body: str, *, now: datetime | None = None) -> Outcome:
        now = now or utcnow()
        customer = customers.get_or_create(tx.session, phone, now)
        state, over_limit, tell = customers.state_of(customer).count_text(now)
        turn = _Turn(tx, customer, state, now)
        parsed = self.parser.parse(body)
        if parsed.intent in (Intent.STOP, Intent.START):  # opting out and in always count
            outcome = self._dispatch(turn, parsed, body)
        elif customer.opted_out:
            outcome = Outcome(None, "opted_out")  # nothing, not even "slow down", until START
        elif over_limit:
            log.info("%s is over the flood limit", mask_phone(phone))
            outcome = Outcome(self.replies.text("slow_down") if tell else None, "flood")
        else:
            outcome = self._dispatch(turn, parsed, body)
        customers.save_state(customer, turn.state)
        tx.session.add(customer)
        return replace(outcome, customer_id=customer.id)

    # -- intents -----------------------------------------------------------------------------
    def _dispatch(self, turn: _Turn, parsed: ParseResult, body: str) -> Outcome:
        intent = Intent(parsed.intent)
        customer = turn.customer
        if intent is Intent.START:
            customer.opted_out = False
            customer.opted_out_at = None
            return Outcome(self.replies.text("opted_in"), intent)
        if intent is Intent.STOP:
            customer.opted_out = True
            customer.opted_out_at = turn.now
            turn.state = turn.state.with_pending(None)
            log.info("%s opted out", mask_phone(customer.phone))
            return Outcome(None, intent)
        if intent is Intent.ORDER:
            return self._order(turn, list(parsed.items), parsed.station, parsed.name)
        if intent is Intent.USUAL:
            usual = specs_from_dicts(customer.usual_json, self.menu)
            if not usual:
                return Outcome(self.replies.text("usual_none"), intent)
            return self._order(turn, usual, parsed.station, parsed.name)
        if intent is Intent.STATUS:
            return self._status(turn)
        if intent is Intent.CANCEL:
            return self._cancel(turn, body)
        if intent is Intent.MENU:
            return self._menu(turn)
        if intent is Intent.HELP:
            return Outcome(self.replies.text("help"), intent)
        return self._chat(turn, parsed, body)

    def _chat(self, turn: _Turn, parsed: ParseResult, body: str) -> Outcome:
        """Greetings and texts we can't read: maybe the name we asked for."""
        pending = turn.state.live_pending(turn.now)
        if pending is not None:
            name = name_from_reply(parsed, body)
            if name is None:
                drink = self.replies.drinks(pending.specs(self.menu))
                return Outcome(self.replies.text("ask_name", drink=drink), "ask_name")
            turn.customer.name = name
            return self._place(turn, pending.specs(self.menu), pending.station, name)
        if parsed.name:
            turn.customer.name = plain(parsed.name, MAX_NAME_CHARS)
            return Outcome(self.replies.text("ask_drink", name=turn.customer.name), "ask_drink")
        if parsed.intent == Intent.GREETING:
            reply = self.replies.text("greeting", name=turn.customer.name)
            return Outcome(reply, parsed.intent)
        return Outcome(self.replies.text("unknown"), Intent.UNKNOWN)

    def _order(
        self, turn: _Turn, items: list[DrinkSpec], station: int | None, name: str | None
    ) -> Outcome:
        if name:
            turn.customer.name = plain(name, MAX_NAME_CHARS)
        if not turn.customer.name:
            pending = Pending(tuple(i.to_dict() for i in items), station, turn.now)
            turn.state = turn.state.with_pending(pending)
            return Outcome(self.replies.text("ask_name", drink=self.replies.drinks(items)), "ask")
        return self._place(turn, items, station, turn.customer.name)

    def _place(
        self, turn: _Turn, items: list[DrinkSpec], station: int | None, name: str
    ) -> Outcome:
        turn.state = turn.state.with_pending(None)
        session = turn.tx.session
        result = place_order(
            turn.tx,
            event_id=self.event_id,
            menu=self.menu,
            items=items,
            customer_id=turn.customer.id,
            customer_name=name,
            requested_station=station,
            now=turn.now,
            cache=self.cache,
        )
        if isinstance(result, Unroutable):
            zone = event_zone(session, self.event_id)
            return Outcome(self.replies.refusal(result, items, zone, turn.now), "unroutable")
        turn.customer.usual_json = [i.to_dict() for i in items]
        sponsor = self._setting(turn.tx, SPONSOR_SETTING)
        reply = self.replies.confirmation(
            order=result.order,
            items=items,
            station=result.station,
            wait_minutes=result.wait_minutes,
            sponsor=sponsor if isinstance(sponsor, str) else None,
        )
        return Outcome(reply, Intent.ORDER, result.order)

    def _status(self, turn: _Turn) -> Outcome:
        session = turn.tx.session
        orders = open_orders(session, self.event_id, turn.customer.id)
        if not orders:
            pending = turn.state.live_pending(turn.now)
            if pending is not None:
                drink = self.replies.drinks(pending.specs(self.menu))
                return Outcome(self.replies.text("ask_name", drink=drink), Intent.STATUS)
            return Outcome(self.replies.text("status_none"), Intent.STATUS)
        texts = []
        for order in orders[:3]:
            station = session.get(Station, order.station_id) if order.station_id else None
            rows = orders_repo.items(order.id, session=session)
            texts.append(
                self.replies.status(order, rows, station, wait_for(session, order, turn.now))
            )
        return Outcome(" ".join(texts), Intent.STATUS)

    def _cancel(self, turn: _Turn, body: str) -> Outcome:
        pending = turn.state.live_pending(turn.now)
        if pending is not None:
            turn.state = turn.state.with_pending(None)
            drink = self.replies.drinks(pending.specs(self.menu))
            return Outcome(self.replies.text("cancel_pending", drink=drink), Intent.CANCEL)
        session = turn.tx.session
        orders = open_orders(session, self.event_id, turn.customer.id)
        named = {parse_order_number(word) for word in body.split()} - {None}
        chosen = [o for o in orders if o.number in named] or orders
        if not chosen:
            return Outcome(self.replies.text("cancel_none"), Intent.CANCEL)
        order = next((o for o in chosen if o.status == "new"), chosen[0])
        drink = self.replies.order_drinks(orders_repo.items(order.id, session=session))
        if order.status != "new":
            status = status_phrase(order.status)
            reply = self.replies.text(
                "cancel_too_late", number=order.number, drink=drink, status=status
            )
            return Outcome(reply, Intent.CANCEL)
        cancel_order(turn.tx, order.id, CUSTOMER_CANCEL_REASON, now=turn.now)
        reply = self.replies.text("cancel_done", number=order.number, drink=drink)
        return Outcome(reply, Intent.CANCEL, order)

    def _menu(self, turn: _Turn) -> Outcome:
        session = turn.tx.session
        floor = load_floor(
            session, self.event_id, turn.now, cache=self.cache, pending=turn.tx.changes
        )
        if not floor.open_now(turn.now):
            opens = [t for v in floor.views if (t := v.next_opening(turn.now)) is not None]
            refusal = Unroutable("closed", (), min(opens, default=None))
            zone = event_zone(session, self.event_id)
            return Outcome(self.replies.refusal(refusal, [], zone, turn.now), Intent.MENU)
        drinks = floor.makeable_now(self.menu, turn.now)
        milks = floor.milks_now(self.menu, turn.now)
        return Outcome(self.replies.menu_text(drinks, milks), Intent.MENU)

    def _setting(self, tx: Tx, key: str) -> object:
        def load() -> object:
            return settings_repo.get(key, None, session=tx.session)

        if self.cache is None:
            return load()
        return self.cache.get(("setting", key), SETTINGS, load, pending=tx.changes)


def name_from_reply(parsed: ParseResult, body: str) -> str | None:
    """The name in an answer to "what name should we call out?", or None if it isn't one."""
    if parsed.name:
        return plain(parsed.name, MAX_NAME_CHARS)
    text = " ".join(body.split()).strip(" .,!")
    text = _NAME_PREFIX.sub("", text)
    words = text.split()
    if not words or len(words) > 3 or len(text) > MAX_NAME_CHARS or not _NAME_RE.match(text):
        return None
    if text.lower() in _NOT_NAMES:
        return None
    return text[0].upper() + text[1:] if text.islower() else text
