"""The 视频办 booking conversation, on plain data: what to take from each answer, how to check it,
what to ask next, and what to say after the booking service answers.

actions/booking.py wraps these functions in Rasa SDK actions. The booking service is only reached
through ``BookingClient`` (HTTP), so it can be the bureau's own system.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.booking.client import BookingClient, BookingRejected, BookingUnavailable, Slot
from bot.booking.identity import (
    HONG_KONG,
    ID_TYPES,
    MACAU,
    InvalidValue,
    mask,
    parse_id_number,
    parse_name,
    parse_phone,
)
from bot.booking.schedule import BEIJING
from bot.booking.when import WhenRequest, matching, parse_when
from bot.catalog.model import Catalog
from bot.catalog.search import contains_term, resolve, search_services
from bot.language import EN
from bot.nlu.normaliser import normalise
from bot.replies import Phrases, Reply, payload, phrase_data
from bot.replies import services as service_replies

REQUIRED = ("booking_service", "booking_slot", "applicant_name", "contact_phone", "id_type",
            "id_number", "booking_confirmed")
# Cleared when a booking is made or stopped; the reference and phone stay for "check my booking".
BOOKING_SLOTS = (*REQUIRED, "booking_slot_choices", "booking_change_pending",
                 "booking_idempotency_key")
CHANGEABLE = ("booking_service", "booking_slot", "applicant_name", "contact_phone", "id_type")
SEARCH_DAYS = 30
SLOT_BUTTONS = 6
# Intents that leave a form answer unfilled so their own rule answers, then the form resumes.
INTERRUPTIONS = {"ask_eligibility", "ask_materials", "list_services", "find_service_point",
                 "human_handoff", "bot_challenge", "greet", "thank", "out_of_scope"}
STOPS = {"stop", "cancel_booking", "goodbye"}
LOOKUP_STOPS = {"stop", "goodbye"}
# first match wins: the specific words come before the general ones
_ID_TYPE_WORDS = (("居住证", "residence_permit"), ("residence permit", "residence_permit"),
                  ("回乡", "home_return_permit"), ("通行证", "home_return_permit"),
                  ("home return", "home_return_permit"), ("permit", "home_return_permit"),
                  ("香港身份证", "hkid"), ("hkid", "hkid"),
                  ("hong kong id", "hkid"), ("澳门身份证", "macau_id"), ("澳门居民身份证", "macau_id"),
                  ("bir", "macau_id"), ("macau id", "macau_id"), ("macao id", "macau_id"))
_CHANGE_WORDS = (("时间", "booking_slot"), ("日期", "booking_slot"), ("time", "booking_slot"),
                 ("电话", "contact_phone"), ("phone", "contact_phone"),
                 ("姓名", "applicant_name"), ("名字", "applicant_name"), ("name", "applicant_name"),
                 ("证件", "id_type"), ("身份证", "id_type"), ("id card", "id_type"),
                 ("document", "id_type"),
                 ("业务", "booking_service"), ("service", "booking_service"))
_CHANGE_REQUEST = ("修改", "改", "change")
_REFERENCE = re.compile(r"\bJM[\s-]*([A-Z0-9]{4})[\s-]*([A-Z0-9]{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class FormTurn:
    """The latest user message inside a booking form."""

    text: str  # what the user typed; "" for a button press
    intent: str
    entities: Mapping[str, Any]
    slots: Mapping[str, Any]
    language: str
    now: datetime

    @property
    def requested(self) -> str | None:
        return self.slots.get("requested_slot")

    @property
    def phrases(self) -> Phrases:
        return Phrases(self.language)


@dataclass
class Step:
    """Slot updates and what to say."""

    slots: dict[str, Any] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)


def _stop_button(phrases: Phrases) -> dict[str, str]:
    return phrases.button("stop", payload("stop"))


# --- extraction: which form slot the latest message fills --------------------------------------

def extract(catalog: Catalog, turn: FormTurn) -> dict[str, Any]:
    """Slot values taken from the latest message; {} lets the message's own rule answer it."""
    if turn.intent in STOPS:
        return {}
    if turn.requested is None:  # the form is starting: reuse a service already named
        named = resolve(catalog, "services", turn.entities.get("service") or turn.slots.get("service"))
        return {"booking_service": named} if named and not turn.slots.get("booking_service") else {}
    extractor = _EXTRACTORS.get(turn.requested)
    value = extractor(catalog, turn) if extractor else None
    if value is not None:
        return value
    if turn.intent in INTERRUPTIONS:
        return {}
    return {turn.requested: turn.text or turn.entities.get(turn.requested) or ""}


def _service_value(catalog: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    named = resolve(catalog, "services", turn.entities.get("service"))
    if not named and turn.text:
        found = search_services(catalog, turn.text).found
        named = found[0].id if found else None
    return {"booking_service": named} if named else None


def _slot_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    if parse_when(turn.text, turn.now.date()).is_empty:
        return None
    return {"booking_slot": turn.text}


def _name_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    return None if turn.intent in INTERRUPTIONS else {"applicant_name": turn.text}


def _has_digits(slot: str) -> Any:
    def value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
        return {slot: turn.text} if re.search(r"\d", turn.text) else None
    return value


def _id_type_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    chosen = turn.entities.get("id_type") or id_type_in(turn.text)
    return {"id_type": chosen} if chosen else None


def _confirmation_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    field_name = turn.entities.get("booking_field") or (
        _word_match(turn.text, _CHANGE_WORDS) if turn.slots.get("booking_change_pending") else None)
    if field_name in CHANGEABLE:
        # a changed request is a new request: it must not reuse the old idempotency key
        cleared = {field_name: None, "booking_confirmed": None, "booking_change_pending": None,
                   "booking_idempotency_key": None}
        if field_name == "id_type":
            cleared["id_number"] = None
        return cleared
    if turn.intent == "affirm":
        return {"booking_confirmed": True}
    normalised = normalise(turn.text).text
    if turn.intent == "deny" or any(contains_term(normalised, word) for word in _CHANGE_REQUEST):
        return {"booking_confirmed": False}
    return None


_EXTRACTORS = {
    "booking_service": _service_value,
    "booking_slot": _slot_value,
    "applicant_name": _name_value,
    "contact_phone": _has_digits("contact_phone"),
    "id_type": _id_type_value,
    "id_number": _has_digits("id_number"),
    "booking_confirmed": _confirmation_value,
}


def _word_match(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    normalised = normalise(text).text
    return next((value for word, value in table if contains_term(normalised, word)), None)


def id_type_in(text: str) -> str | None:
    return _word_match(text, _ID_TYPE_WORDS)


# --- validation: is the value right, and if not, say precisely why ------------------------------

def validate(catalog: Catalog, client: BookingClient, turn: FormTurn, slot: str, value: Any
             ) -> Step:
    validator = _VALIDATORS.get(slot)
    return validator(catalog, client, turn, value) if validator else Step({slot: value})


def _validate_service(catalog: Catalog, _: BookingClient, turn: FormTurn, value: Any) -> Step:
    phrases = turn.phrases
    service = catalog.services.get(value) if isinstance(value, str) else None
    if service is None:
        return Step({"booking_service": None}, [
            Reply(phrases("booking.unknown_service", query=str(value)[:40]))])
    if not service.video_session_possible:
        explanation = service_replies.eligibility(catalog, service, phrases)
        return Step({"booking_service": None}, [
            Reply(phrases("booking.not_by_video", name=phrases.text(service.name))), explanation])
    return Step({"booking_service": service.id})


def _validate_slot(catalog: Catalog, client: BookingClient, turn: FormTurn, value: Any) -> Step:
    phrases = turn.phrases
    try:
        free = free_slots(client, turn.slots["booking_service"], turn.now)
    except BookingUnavailable:
        return _booking_down(phrases)
    request = parse_when(str(value), turn.now.date())
    fitting = matching(request, [s.start for s in free])
    if len(fitting) == 1 or (fitting and request.clock):
        return Step({"booking_slot": fitting[0].isoformat(timespec="minutes"),
                     "booking_slot_choices": None})
    if fitting:  # the question that follows lists them (_ask_slot)
        return Step({"booking_slot": None, "booking_slot_choices": _iso(fitting[:SLOT_BUTTONS])})
    nearby = [s.start for s in free if not request.day or s.start.date() >= request.day]
    choices = spread(nearby or [s.start for s in free])
    return Step({"booking_slot": None, "booking_slot_choices": _iso(choices)},
                [Reply(_why_no_slot(request, turn, phrases))])


def _why_no_slot(request: WhenRequest, turn: FormTurn, phrases: Phrases) -> str:
    if request.is_empty:
        return phrases("booking.slot_not_understood")
    if request.day and request.day < turn.now.date():
        return phrases("booking.slot_in_past")
    if request.day and request.day > turn.now.date() + timedelta(days=SEARCH_DAYS):
        return phrases("booking.slot_too_far", days=SEARCH_DAYS)
    if request.day and not request.clock:
        return phrases("booking.slot_day_full", date=_day_words(request.day, phrases))
    return phrases("booking.slot_taken")


def _validate_name(_: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    try:
        return Step({"applicant_name": parse_name(str(value))})
    except InvalidValue:
        return Step({"applicant_name": None}, [Reply(turn.phrases("booking.name_invalid"))])


def _validate_phone(catalog: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    region = catalog.regions.get(turn.slots.get("region") or "")  # a district counts as its area
    default = {"hong_kong": HONG_KONG, "macau": MACAU}.get(region.area if region else "")
    try:
        return Step({"contact_phone": parse_phone(str(value), default).e164})
    except InvalidValue as invalid:
        return Step({"contact_phone": None}, [Reply(turn.phrases(f"booking.{invalid.code}"))])


def _validate_id_type(_: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    if value in ID_TYPES:
        return Step({"id_type": value})
    return Step({"id_type": None}, [Reply(turn.phrases("booking.id_type_unclear"))])


def _validate_id_number(_: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    id_type = turn.slots.get("id_type") or ""
    try:
        return Step({"id_number": parse_id_number(id_type, str(value))})
    except InvalidValue as invalid:
        code = invalid.code if invalid.code == "id_number_checksum" else "id_number_format"
        return Step({"id_number": None}, [Reply(turn.phrases(
            f"booking.{code}", document=document_name(id_type, turn.phrases),
            example=phrase_data(f"booking.examples.{id_type}")))])


def _validate_confirmation(_: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    if value is True:
        # the key makes every retry of this booking the same booking (never a second one)
        key = turn.slots.get("booking_idempotency_key") or uuid.uuid4().hex
        return Step({"booking_confirmed": True, "booking_idempotency_key": key})
    if value is False:
        return Step({"booking_confirmed": None, "booking_change_pending": True})
    return Step({"booking_confirmed": None}, [Reply(turn.phrases("booking.confirm_unclear"))])


_VALIDATORS = {
    "booking_service": _validate_service,
    "booking_slot": _validate_slot,
    "applicant_name": _validate_name,
    "contact_phone": _validate_phone,
    "id_type": _validate_id_type,
    "id_number": _validate_id_number,
    "booking_confirmed": _validate_confirmation,
}


def is_confirmed_retry(slots: Mapping[str, Any]) -> bool:
    """The form restarts on answers the user already confirmed (a retry after an outage):
    checking them again could change them and lose the booking the first try may have made."""
    return (slots.get("requested_slot") is None and slots.get("booking_confirmed") is True
            and bool(slots.get("booking_idempotency_key")))


def _booking_down(phrases: Phrases) -> Step:
    """The booking service is not answering: say so and end the form, keeping every answer."""
    return Step({"requested_slot": None}, [Reply(phrases("booking.booking_down"), [
        phrases.button("retry", payload("book_video_service")),
        phrases.button("human", payload("human_handoff"))])])


# --- asking ------------------------------------------------------------------------------------

def ask(catalog: Catalog, client: BookingClient, turn: FormTurn, slot: str) -> Step:
    return _ASKERS[slot](catalog, client, turn)


def _ask_service(catalog: Catalog, _: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    suggested = [s for s in catalog.services.values()
                 if s.video_session_possible and s.channels.get("cross_border_zone")][:4]
    buttons = [{"title": phrases.localised(s.name), "payload": payload("inform", service=s.id)}
               for s in suggested]
    return Step(replies=[Reply(phrases("booking.ask_service"), [*buttons, _stop_button(phrases)])])


def _ask_slot(_: Catalog, client: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    choices = turn.slots.get("booking_slot_choices")
    if choices:
        starts = [datetime.fromisoformat(c) for c in choices]
        text = phrases("booking.ask_slot_choices")
    else:
        try:
            starts = spread([s.start for s in free_slots(client, turn.slots["booking_service"],
                                                         turn.now)])
        except BookingUnavailable:
            return _booking_down(phrases)
        if not starts:
            return Step({"requested_slot": None}, [Reply(
                phrases("booking.no_free_slots", days=SEARCH_DAYS),
                [phrases.button("human", payload("human_handoff"))])])
        text = f"{phrases('booking.ask_slot')}\n{phrases('booking.hours_note')}"
    buttons = [{"title": slot_title(start, phrases), "payload": start.isoformat(timespec="minutes")}
               for start in starts]
    return Step(replies=[Reply(text, [*buttons, _stop_button(phrases)])])


def _plain_question(turn: FormTurn, key: str) -> Step:
    return Step(replies=[Reply(turn.phrases(key), [_stop_button(turn.phrases)])])


def _ask_id_type(_: Catalog, __: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    buttons = [{"title": phrases.localised(phrase_data(f"booking.documents.{t}")),
                "payload": payload("inform", id_type=t)} for t in ID_TYPES]
    return Step(replies=[Reply(phrases("booking.ask_id_type"), [*buttons, _stop_button(phrases)])])


def _ask_id_number(_: Catalog, __: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    document = document_name(turn.slots.get("id_type") or "", phrases)
    return Step(replies=[Reply(phrases("booking.ask_id_number", document=document),
                               [_stop_button(phrases)])])


def _ask_confirmation(catalog: Catalog, _: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    if turn.slots.get("booking_change_pending"):
        buttons = [{"title": phrases.localised(phrase_data(f"booking.fields.{f}")),
                    "payload": payload("inform", booking_field=f)} for f in CHANGEABLE]
        return Step(replies=[Reply(phrases("booking.ask_change"), buttons)])
    slots = turn.slots
    service = catalog.services[slots["booking_service"]]
    text = phrases("booking.summary", service=phrases.text(service.name),
                   slot=slot_long(datetime.fromisoformat(slots["booking_slot"]), phrases),
                   name=slots["applicant_name"], phone=parse_phone(slots["contact_phone"]).masked,
                   document=document_name(slots["id_type"], phrases),
                   number=mask(slots["id_number"]))
    return Step(replies=[Reply(text, [phrases.button("confirm", "/affirm"),
                                      phrases.button("change", "/deny"), _stop_button(phrases)])])


_ASKERS = {
    "booking_service": _ask_service,
    "booking_slot": _ask_slot,
    "applicant_name": lambda _, __, turn: _plain_question(turn, "booking.ask_name"),
    "contact_phone": lambda _, __, turn: _plain_question(turn, "booking.ask_phone"),
    "id_type": _ask_id_type,
    "id_number": _ask_id_number,
    "booking_confirmed": _ask_confirmation,
}
_LOOKUP_QUESTIONS = {"booking_reference": "booking.ask_reference",
                     "contact_phone": "booking.ask_lookup_phone"}


def ask_lookup(turn: FormTurn, slot: str) -> Step:
    return _plain_question(turn, _LOOKUP_QUESTIONS[slot])


# --- booking ------------------------------------------------------------------------------------

def submit(catalog: Catalog, client: BookingClient, slots: Mapping[str, Any], language: str
           ) -> Step:
    """Books what the form collected. Nothing happens when the form ended early (an outage
    already told the user), so a half-filled form is never sent."""
    if not all(slots.get(name) for name in REQUIRED) or not slots.get("booking_idempotency_key"):
        return Step()
    phrases = Phrases(language)
    request = {"service": slots["booking_service"], "slot": slots["booking_slot"],
               "applicant_name": slots["applicant_name"], "phone": slots["contact_phone"],
               "id_type": slots["id_type"], "id_number": slots["id_number"], "language": language}
    try:
        booking = client.create(request, slots["booking_idempotency_key"])
    except BookingUnavailable:
        return Step(replies=_booking_down(phrases).replies)
    except BookingRejected as rejected:
        return _rejected(rejected, phrases)
    service = catalog.services[booking["service"]]
    start = datetime.fromisoformat(booking["slot"]["start"])
    done = Reply("\n".join([
        phrases("booking.booked", reference=booking["reference"], slot=slot_long(start, phrases),
                service=phrases.text(service.name)),
        phrases("booking.how_video_works"),
        phrases("booking.prepare", document=document_name(slots["id_type"], phrases),
                materials=phrases.join([phrases.text(m) for m in service.materials]) or "-"),
    ]), [phrases.button("check", payload("check_booking")),
         phrases.button("human", payload("human_handoff"))])
    cleared = dict.fromkeys(BOOKING_SLOTS)
    return Step({**cleared, "booking_reference": booking["reference"],
                 "contact_phone": slots["contact_phone"]}, [done])


def _rejected(rejected: BookingRejected, phrases: Phrases) -> Step:
    if rejected.code.startswith("slot") or rejected.code == "closed_day":
        return Step({"booking_slot": None, "booking_confirmed": None,
                     "booking_idempotency_key": None},
                    [Reply(phrases("booking.slot_gone"),
                           [phrases.button("pick_time", payload("book_video_service"))])])
    return Step({"booking_confirmed": None, "booking_idempotency_key": None},
                [Reply(phrases("booking.booking_refused", code=rejected.code),
                       [phrases.button("human", payload("human_handoff"))])])


def stopped(language: str) -> Step:
    phrases = Phrases(language)
    return Step(dict.fromkeys(BOOKING_SLOTS), [Reply(phrases("booking.stopped"), [
        phrases.button("browse", payload("list_services")),
        phrases.button("human", payload("human_handoff"))])])


# --- check and cancel --------------------------------------------------------------------------

def extract_lookup(turn: FormTurn) -> dict[str, Any]:
    if turn.intent in LOOKUP_STOPS:
        return {}
    if turn.requested == "booking_reference":
        match = _REFERENCE.search(turn.text)
        if match:
            return {"booking_reference": f"JM-{match.group(1)}-{match.group(2)}".upper()}
        return {} if turn.intent in INTERRUPTIONS else {"booking_reference": ""}
    if turn.requested == "contact_phone":
        return _has_digits("contact_phone")(None, turn) or (
            {} if turn.intent in INTERRUPTIONS else {"contact_phone": turn.text})
    return {}


def validate_reference(turn: FormTurn, value: Any) -> Step:
    if value:
        return Step({"booking_reference": value})
    return Step({"booking_reference": None}, [Reply(turn.phrases("booking.reference_invalid"))])


def look_up(catalog: Catalog, client: BookingClient, slots: Mapping[str, Any], language: str,
            purpose: str) -> Step:
    """Checks or cancels the booking named by the reference and phone in ``slots``."""
    phrases = Phrases(language)
    reference, phone = slots.get("booking_reference"), slots.get("contact_phone")
    if not reference or not phone:
        return Step()
    again = payload("cancel_booking" if purpose == "cancel" else "check_booking")
    try:
        booking = (client.cancel if purpose == "cancel" else client.lookup)(reference, phone)
    except BookingUnavailable:
        return Step(replies=[Reply(phrases("booking.lookup_down"), [
            phrases.button("retry", again), phrases.button("human", payload("human_handoff"))])])
    except BookingRejected as rejected:
        key = "too_late_to_cancel" if rejected.code == "too_late_to_cancel" else "not_found"
        return Step({"booking_reference": None, "contact_phone": None}, [Reply(
            phrases(f"booking.{key}"),
            [phrases.button("retry", again), phrases.button("human", payload("human_handoff"))])])
    service = catalog.services.get(booking["service"])
    slot = slot_long(datetime.fromisoformat(booking["slot"]["start"]), phrases)
    if purpose == "cancel":
        return Step(replies=[Reply(phrases("booking.cancelled", reference=booking["reference"],
                                           slot=slot),
                                   [phrases.button("book_video", payload("book_video_service"))])])
    status = phrases.word(f"booking.status_{booking['status']}")
    text = phrases("booking.found", reference=booking["reference"], slot=slot, status=status,
                   service=phrases.text(service.name) if service else booking["service"])
    buttons = [phrases.button("cancel", payload("cancel_booking"))] if (
        booking["status"] == "booked") else []
    return Step(replies=[Reply(text, [*buttons, phrases.button("human", payload("human_handoff"))])])


# --- times and names in the reader's language --------------------------------------------------

def free_slots(client: BookingClient, service_id: str, now: datetime) -> list[Slot]:
    today = now.astimezone(BEIJING).date()
    return client.available_slots(service_id, today, today + timedelta(days=SEARCH_DAYS))


def spread(starts: list[datetime]) -> list[datetime]:
    """Up to SLOT_BUTTONS choices, the first free slot of each half-day, so they span days."""
    chosen: dict[tuple[date, bool], datetime] = {}
    for start in sorted(starts):
        chosen.setdefault((start.date(), start.hour < 12), start)
    return list(chosen.values())[:SLOT_BUTTONS]


def _iso(starts: list[datetime]) -> list[str]:
    return [start.isoformat(timespec="minutes") for start in starts]


def _date_parts(moment: datetime, phrases: Phrases) -> dict[str, Any]:
    local = moment.astimezone(BEIJING)
    weekdays = phrase_data("booking.weekdays")["en" if phrases.language == EN else "zh"]
    return {"year": local.year, "month": local.month, "day": local.day,
            "month_name": local.strftime("%b"), "weekday": weekdays[local.weekday()],
            "start": local.strftime("%H:%M")}


def slot_title(start: datetime, phrases: Phrases) -> str:
    return phrases("booking.slot_title", **_date_parts(start, phrases))


def slot_long(start: datetime, phrases: Phrases) -> str:
    end = (start + timedelta(minutes=30)).astimezone(BEIJING).strftime("%H:%M")
    return phrases("booking.slot_long", end=end, **_date_parts(start, phrases))


def _day_words(day: date, phrases: Phrases) -> str:
    parts = _date_parts(datetime.combine(day, datetime.min.time(), BEIJING), phrases)
    if phrases.language == EN:
        return f"{parts['weekday']} {parts['day']} {parts['month_name']}"
    return f"{parts['month']}月{parts['day']}日（{parts['weekday']}）"


def document_name(id_type: str, phrases: Phrases) -> str:
    if id_type not in ID_TYPES:
        return ""
    return phrases.word(f"booking.documents.{id_type}")
