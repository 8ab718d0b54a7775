"""The customer conversation: one inbound text in, the reply (and any order placed) out.

Runs inside the single writer on the caller's ``Tx``; knows nothing about HTTP or Twilio, so the
webhook, the simulator and the tests drive exactly the same code. Everything it remembers lives in
the store (``Customer`` and its conversation state), so a restart loses nothing.

A turn, in order: STOP and START are always recorded (opting out must never be lost to a limit);
an opted-out number hears nothing, not even "slow down", until START; the flood limit (more than
``FLOOD_LIMIT`` texts a minute → one "slow down" per window, then silence); then the parsed intent
decides. An order needs a name the first time (the drink waits in the state while we ask);
after that the name and the last order ("my usual") are remembered.

Beyond a plain order: drinks for named friends become a group (linked orders, each name on its
cup, one pickup text to the sender); "actually make it oat" changes the newest order while it is
still New; a VIP code from the settings marks the order VIP (an unknown code is just ignored); a
refusal says why (the asked-for station can't, nothing can, or we don't serve that) and what we
can make instead.

Intake limits (``core.intake``, the settings read through ``services.intake``): more drinks than
the event's limit, or a station whose wait is over the event's limit, hold the order in the
state with a question ("reply YES"); a YES places it (routed again then), anything else drops it.
In the throttle's pause mode nothing is held: the customer hears when to try again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from expresso_desktop.core import intake
from expresso_desktop.core.actors import BY_TEXT
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.items import DrinkSpec, drink_of, drink_spec_from_dict
from expresso_desktop.core.menu import MenuSource
from expresso_desktop.core.orders import parse_order_number, status_phrase
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.core.routing import Routed, Unroutable, route
from expresso_desktop.core.sms.parser import Change, Intent, ParseResult, SmsParser
from expresso_desktop.core.templates import TemplateSource, plain
from expresso_desktop.services.intake import IntakeGuard
from expresso_desktop.services.order_actions import GroupMemberIn, amend_items, create_group
from expresso_desktop.services.orders import CUSTOMER_CANCEL_REASON, cancel_order, store_order
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import Floor, event_zone, load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import customers
from expresso_desktop.sms.customers import (
    ConversationState,
    CustomerRow,
    Pending,
    specs_from_dicts,
)
from expresso_desktop.sms.replies import Replies
from expresso_desktop.sms.status import open_order_rows, open_orders, station_of, wait_for
from expresso_desktop.store.repositories import orders_repo, settings_repo
from expresso_desktop.store.tables import Order, Station
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

SPONSOR_SETTING = customers.SPONSOR_SETTING
VIP_CODES_SETTING = "vip_codes"
SETTINGS = frozenset({"settings"})
EVENTS = frozenset({"events"})
# While an order waits for a YES, these start something new (the held order is dropped).
_NEW_REQUESTS = frozenset({Intent.ORDER, Intent.USUAL, Intent.STATUS, Intent.MENU, Intent.HELP})
_CODE_WORD = re.compile(r"[A-Za-z0-9]{3,20}")
MAX_NAME_CHARS = 30
STATUS_ORDERS = 3  # a STATUS reply tells of the newest three open orders
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
    customer: CustomerRow
    state: ConversationState
    now: datetime
    vip: bool = False


class Conversation:
    """One event's SMS conversation. Holds no per-customer state itself."""

    def __init__(
        self,
        *,
        event_id: int,
        menu: MenuSource,  # a fixed menu, or the live one (services.menus)
        templates: TemplateSource,  # a fixed set, or the live view (services.texts)
        parser: SmsParser | None = None,
        cache: ReadCache | None = None,
    ) -> None:
        self.event_id = event_id
        self.menus = menu
        self.menu = menu.current_menu()
        self._fixed_parser = parser is not None
        self.parser = parser or SmsParser(self.menu)
        self.replies = Replies(templates, self.menu)
        # Stations, stock, schedule and settings between texts (see services.read_cache).
        self.cache = cache
        self.intake = IntakeGuard(cache)

    def handle(self, tx: Tx, phone: str, body: str, *, now: datetime | None = None) -> Outcome:
        self._follow_menu()
        now = now or utcnow()
        customer = customers.arrive(tx, phone, now)
        state, over_limit, tell = customers.state_of(customer).count_text(now)
        turn = _Turn(tx, customer, state, now)
        parsed = self.parser.parse(body)
        if parsed.intent not in (Intent.STOP, Intent.START):
            body, turn.vip = self._vip_code(tx, body)
            if turn.vip:
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
        customers.save(tx, customer)
        return replace(outcome, customer_id=customer.id)

    def _follow_menu(self) -> None:
        """The organiser may have edited the menu since the last text: one identity check per
        text, a new parser (~0.1 s) only after an edit."""
        menu = self.menus.current_menu()
        if menu is self.menu:
            return
        self.menu = menu
        if not self._fixed_parser:
            self.parser = SmsParser(menu)
        self.replies = Replies(self.replies.source, menu)

    # -- intents -----------------------------------------------------------------------------
    def _dispatch(self, turn: _Turn, parsed: ParseResult, body: str) -> Outcome:
        intent = Intent(parsed.intent)
        customer = turn.customer
        waiting = turn.state.live_pending(turn.now)
        if waiting is not None and waiting.ask != "name" and intent is not Intent.STOP:
            return self._answer(turn, waiting, parsed, body)
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
            if parsed.change is not None and self._open_orders(turn):
                return self._amend(turn, parsed.change)
            return self._order(
                turn,
                list(parsed.items),
                parsed.station,
                parsed.name,
                parsed.who,
                unserved=parsed.unserved,
            )
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
        """Greetings and texts we can't read: maybe the name we asked for, a change to the
        order, "mac" (which one?) or a drink we don't serve."""
        pending = turn.state.live_pending(turn.now)
        if pending is not None and parsed.change is not None:
            specs = [parsed.change.apply(s, self.menu) for s in pending.specs(self.menu)]
            items = tuple(
                s.to_dict() | ({"for": w} if w else {})
                for s, w in zip(specs, pending.who(), strict=False)
            )
            turn.state = turn.state.with_pending(replace(pending, items=items))
            drink = self.replies.drinks(specs)
            return Outcome(self.replies.text("ask_name", drink=drink), "ask_name")
        if pending is not None:
            name = name_from_reply(parsed, body)
            if name is None:
                drink = self.replies.drinks(pending.specs(self.menu))
                return Outcome(self.replies.text("ask_name", drink=drink), "ask_name")
            turn.customer.name = name
            turn.vip = turn.vip or pending.vip
            specs = pending.specs(self.menu)
            return self._place(turn, specs, pending.station, name, pending.who())
        if parsed.change is not None:
            return self._amend(turn, parsed.change)
        if parsed.unclear:
            return Outcome(self.replies.text("ask_which"), "ask_which")
        if parsed.unserved:
            drinks, _ = self._makeable(turn)
            return Outcome(self.replies.text("not_served", drinks=", ".join(drinks)), "unserved")
        if parsed.name:
            turn.customer.name = plain(parsed.name, MAX_NAME_CHARS)
            return Outcome(self.replies.text("ask_drink", name=turn.customer.name), "ask_drink")
        if parsed.intent == Intent.GREETING:
            reply = self.replies.text("greeting", name=turn.customer.name)
            return Outcome(reply, parsed.intent)
        return Outcome(self.replies.text("unknown"), Intent.UNKNOWN)

    def _order(
        self,
        turn: _Turn,
        items: list[DrinkSpec],
        station: int | None,
        name: str | None,
        who: tuple[str | None, ...] = (),
        unserved: tuple[str, ...] = (),
        *,
        size_ok: bool = False,
        wait_ok: bool = False,
    ) -> Outcome:
        """``unserved``: drinks in the same text we don't serve; the reply names them.
        ``size_ok``/``wait_ok``: the customer already said YES to the size or the wait."""
        drinks = sum(i.quantity for i in items)
        size = intake.size_check(drinks, self.intake.limits(turn.tx))
        if size is intake.Size.TOO_MANY:
            return Outcome(self.replies.text("too_many", number=intake.HARD_LIMIT), "too_many")
        if name:
            turn.customer.name = plain(name, MAX_NAME_CHARS)
        friends = tuple(plain(w, MAX_NAME_CHARS) if w else None for w in who)
        note = self.replies.unserved_note(unserved)
        if size is intake.Size.CONFIRM and not size_ok:
            turn.state = turn.state.with_pending(self._held(turn, items, friends, station, "size"))
            reply = self.replies.text("confirm_size", number=drinks)
            return Outcome(_with_note(note, reply), "confirm_size")
        own_drinks = not friends or not all(friends)
        if not turn.customer.name and own_drinks:
            turn.state = turn.state.with_pending(self._held(turn, items, friends, station, "name"))
            drink = self.replies.drinks(items, friends)
            reply = self.replies.text("ask_name", drink=drink)
            return Outcome(_with_note(note, reply), "ask")
        sender = turn.customer.name or next(f for f in friends if f)
        return self._place(turn, items, station, sender, friends, unserved, wait_ok=wait_ok)

    def _answer(self, turn: _Turn, pending: Pending, parsed: ParseResult, body: str) -> Outcome:
        """The answer to "reply YES": YES places the held order (routed again now); a new
        request drops it and is handled; anything else just drops it."""
        intent = Intent(parsed.intent)
        if intent is Intent.START or intake.is_yes(body):  # "YES" is also Twilio's opt-in word
            turn.state = turn.state.with_pending(None)
            turn.vip = turn.vip or pending.vip
            items, who = pending.specs(self.menu), pending.who()
            wait_ok = pending.ask == "wait"
            return self._order(
                turn, items, pending.station, None, who, size_ok=True, wait_ok=wait_ok
            )
        if intent is Intent.CANCEL:
            return self._cancel(turn, body)  # says the held order is forgotten
        if intent in _NEW_REQUESTS:
            turn.state = turn.state.with_pending(None)
            return self._dispatch(turn, parsed, body)
        turn.state = turn.state.with_pending(None)
        drink = self.replies.drinks(pending.specs(self.menu), pending.who())
        return Outcome(self.replies.text("cancel_pending", drink=drink), "declined")

    @staticmethod
    def _held(
        turn: _Turn,
        items: list[DrinkSpec],
        who: tuple[str | None, ...],
        station: int | None,
        ask: str,
    ) -> Pending:
        """The order kept in the state while we wait for the answer to ``ask``."""
        stored = tuple(
            i.to_dict() | ({"for": w} if w else {})
            for i, w in zip(items, who or (None,) * len(items), strict=True)
        )
        return Pending(stored, station, turn.now, vip=turn.vip, ask=ask)

    def _route(
        self,
        turn: _Turn,
        items: list[DrinkSpec],
        station: int | None,
        who: tuple[str | None, ...],
        *,
        wait_ok: bool,
    ) -> tuple[Floor, Routed] | Outcome:
        """Where the order goes, or the reply when it can't go anywhere or is held for the
        wait (``wait_ok``: the customer already accepted it)."""
        tx = turn.tx
        floor = load_floor(
            tx.session, self.event_id, turn.now, cache=self.cache, pending=tx.changes
        )
        decision = route(
            items, floor.views, self.menu, now=turn.now, requested_station=station, vip=turn.vip
        )
        if isinstance(decision, Unroutable):
            return self._refuse(turn, decision, items)
        if wait_ok:
            return floor, decision
        limits = self.intake.limits(tx)
        held = self.intake.check_wait(tx, floor, decision, limits, turn.now)
        if held is None:
            return floor, decision
        if held.mode == "pause":
            reply = self.replies.text("ordering_paused", wait=held.retry_minutes)
            return Outcome(reply, "paused")
        turn.state = turn.state.with_pending(self._held(turn, items, who, station, "wait"))
        reply = self.replies.text(
            "confirm_wait",
            wait=held.wait_minutes,
            drink=self.replies.drinks(items, who),
            station=self.replies.station_label(floor.station(decision.station_id)),
        )
        return Outcome(reply, "confirm_wait")

    def _place(
        self,
        turn: _Turn,
        items: list[DrinkSpec],
        station: int | None,
        name: str,
        who: tuple[str | None, ...] = (),
        unserved: tuple[str, ...] = (),
        *,
        wait_ok: bool = False,
    ) -> Outcome:
        turn.state = turn.state.with_pending(None)
        routed = self._route(turn, items, station, who, wait_ok=wait_ok)
        if isinstance(routed, Outcome):
            return routed
        floor, decision = routed
        placed = floor.station(decision.station_id)
        if any(who):
            return self._place_group(turn, items, placed, decision, station, name, who, unserved)
        order, _ = store_order(
            turn.tx,
            event_id=self.event_id,
            station_id=placed.id,
            specs=items,
            customer_id=turn.customer.id,
            customer_name=name,
            vip=turn.vip,
            now=turn.now,
            actor=BY_TEXT,
            in_session=False,  # only read here (the reply, the outcome)
        )
        # Debug, not info: the order's history keeps where it went and why ("placed"), and a
        # line per order at info cost the webhook 0.1–0.15 ms of CPU per text (two handlers).
        log.debug("order %s → station %s (%s)", order.number, placed.number, decision.reason)
        turn.customer.usual_json = [i.to_dict() for i in items]
        sponsor = self._setting(turn.tx, SPONSOR_SETTING)
        sponsor = sponsor if isinstance(sponsor, str) and sponsor.strip() else None
        unserved_note = self.replies.unserved_note(unserved)
        rendered = self.replies.confirm(
            order=order,
            items=items,
            station=placed,
            wait_minutes=decision.wait_minutes,
            sponsor=sponsor,
            note=_with_note(unserved_note, self._moved(station, placed)),
        )
        if sponsor:  # counted so the organiser can see what the one-segment rule costs
            turn.state = turn.state.with_sponsor(dropped=bool(rendered.dropped))
        return Outcome(rendered.text, Intent.ORDER, order)

    def _place_group(
        self,
        turn: _Turn,
        items: list[DrinkSpec],
        placed: Station,
        decision: Routed,
        station: int | None,
        name: str,
        who: tuple[str | None, ...],
        unserved: tuple[str, ...] = (),
    ) -> Outcome:
        """Drinks for friends: linked orders at one station, each with its name on the cup;
        the sender gets the one pickup text when the last is ready."""
        tx = turn.tx
        members = [
            GroupMemberIn(friend or name, spec.to_dict())
            for spec, friend in zip(items, who, strict=True)
        ]
        assert placed.id is not None  # a stored station
        _, orders = create_group(
            tx,
            event_id=self.event_id,
            menu=self.menu,
            organiser_name=name,
            station_id=placed.id,
            members=members,
            customer_id=turn.customer.id,
            vip=turn.vip,
            actor=BY_TEXT,
        )
        own = [i.to_dict() for i, friend in zip(items, who, strict=True) if not friend]
        if own:
            turn.customer.usual_json = own
        reply = self.replies.group_confirmation(
            orders=orders,
            items=items,
            station=placed,
            wait_minutes=decision.wait_minutes,
            note=_with_note(self.replies.unserved_note(unserved), self._moved(station, placed)),
        )
        return Outcome(reply, Intent.ORDER, orders[0])

    def _refuse(self, turn: _Turn, refusal: Unroutable, items: list[DrinkSpec]) -> Outcome:
        """Say why: closed (and when it opens), or what can be made now and with which milks."""
        zone = self._zone(turn.tx)
        milks: tuple[str, ...] = ()
        if refusal.reason != "closed":
            _, milks = self._makeable(turn)
        reply = self.replies.refusal(refusal, items, zone, turn.now, milks)
        return Outcome(reply, "unroutable")

    @staticmethod
    def _moved(asked: int | None, station: Station) -> str:
        if asked is None or station.number == asked:
            return ""
        return Replies.moved_note(asked, station)

    def _makeable(self, turn: _Turn) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The drinks and milks open stations can make now (the whole menu while closed)."""
        floor = load_floor(
            turn.tx.session, self.event_id, turn.now, cache=self.cache, pending=turn.tx.changes
        )
        if not floor.open_now(turn.now):
            return self.menu.drink_names, self.menu.milk_names
        return floor.makeable_now(self.menu, turn.now), floor.milks_now(self.menu, turn.now)

    # -- changing an order -----------------------------------------------------------------------
    def _open_orders(self, turn: _Turn) -> list[Order]:
        return open_orders(turn.tx.session, self.event_id, turn.customer.id)

    def _amend(self, turn: _Turn, change: Change) -> Outcome:
        """ "actually make it oat": the newest order changes while it is New; once started the
        customer hears so, kindly."""
        orders = self._open_orders(turn)
        if not orders:
            return Outcome(self.replies.text("amend_none"), "amend")
        order = orders[0]
        session = turn.tx.session
        rows = orders_repo.items(order.id, session=session)
        before = [drink_of(r) for r in rows]
        if order.status != "new":
            reply = self.replies.text(
                "amend_too_late",
                number=order.number,
                drink=self.replies.drinks(before),
                status=status_phrase(order.status),
            )
            return Outcome(reply, "amend")
        whole = change if len(before) == 1 else replace(change, drink=None)
        try:
            after = [
                drink_spec_from_dict(whole.apply(d, self.menu).to_dict(), self.menu) for d in before
            ]
            amend_items(turn.tx, order.id, after, menu=self.menu, actor=BY_TEXT)
        except ValidationError:
            station = session.get(Station, order.station_id) if order.station_id else None
            reply = self.replies.text(
                "amend_cannot",
                number=order.number,
                drink=self.replies.drinks([whole.apply(d, self.menu) for d in before]),
                station=self.replies.station_label(station),
            )
            return Outcome(reply, "amend")
        except DomainError:
            reply = self.replies.text(
                "amend_too_late",
                number=order.number,
                drink=self.replies.drinks(before),
                status=status_phrase(order.status),
            )
            return Outcome(reply, "amend")
        turn.customer.usual_json = [i.to_dict() for i in after]
        reply = self.replies.text("amended", number=order.number, drink=self.replies.drinks(after))
        return Outcome(reply, "amend", order)

    def _status(self, turn: _Turn) -> Outcome:
        session, pending = turn.tx.session, turn.tx.changes
        orders = open_order_rows(session, self.event_id, turn.customer.id, limit=STATUS_ORDERS)
        if not orders:
            held = turn.state.live_pending(turn.now)
            if held is not None:
                drink = self.replies.drinks(held.specs(self.menu))
                return Outcome(self.replies.text("ask_name", drink=drink), Intent.STATUS)
            return Outcome(self.replies.text("status_none"), Intent.STATUS)
        texts = []
        for order in orders:
            station = station_of(session, order, turn.now, cache=self.cache, pending=pending)
            wait = wait_for(
                session, order, turn.now, cache=self.cache, pending=pending, station=station
            )
            texts.append(self.replies.status(order, station, wait))
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
        cancel_order(turn.tx, order.id, CUSTOMER_CANCEL_REASON, now=turn.now, actor=BY_TEXT)
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
            zone = self._zone(turn.tx)
            return Outcome(self.replies.refusal(refusal, [], zone, turn.now), Intent.MENU)
        drinks = floor.makeable_now(self.menu, turn.now)
        milks = floor.milks_now(self.menu, turn.now)
        return Outcome(self.replies.menu_text(drinks, milks), Intent.MENU)

    def _vip_code(self, tx: Tx, body: str) -> tuple[str, bool]:
        """A VIP code from the settings marks the order VIP and is taken out of the text before
        it is read; any other code is left to the parser, which never reads it as drinks."""
        codes = self._setting(tx, VIP_CODES_SETTING)
        if not codes or not isinstance(codes, list):
            return body, False
        wanted = {str(c).upper() for c in codes}
        found = {m.group() for m in _CODE_WORD.finditer(body) if m.group().upper() in wanted}
        for code in found:
            body = re.sub(rf"\b{re.escape(code)}\b", " ", body)
        return body, bool(found)

    def _zone(self, tx: Tx) -> ZoneInfo:
        """The event's time zone (a refusal says when we open), kept until the event changes."""

        def load() -> ZoneInfo:
            return event_zone(tx.session, self.event_id)

        if self.cache is None:
            return load()
        return self.cache.get(("zone", self.event_id), EVENTS, load, pending=tx.changes)

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


def _with_note(note: str, text: str) -> str:
    """``note`` before ``text``, either of them possibly empty."""
    return f"{note} {text}".strip()
