"""Which form slot the latest message fills, on plain data. An empty result lets the message's own
rule answer it (a question, a person, stop), and the form asks again afterwards.

Changing an answer works at any step, in any script: "我想改時間" when the phone is asked,
"改做禮拜三下晝得唔得", "Change something" on the summary and then "Tuesday 1 Dec 3pm"."""

from __future__ import annotations

import re
from typing import Any

from bot.booking.conversation.times import read_when
from bot.booking.conversation.turn import (
    INTERRUPTIONS,
    LOOKUP_LEAVES,
    REQUIRED,
    STOPS,
    FormTurn,
)
from bot.booking.conversation.words import asks_for_change, field_in, id_type_in, yes_or_no
from bot.booking.identity import document_type_of
from bot.booking.when import WhenRequest
from bot.catalog.model import Catalog
from bot.catalog.search import find_ids, resolve

_PHONE_RUN = re.compile(r"[+＋]?[\d０-９][\d０-９\s\-－()（）]{6,}[\d０-９]")
# what a changed answer clears besides the field: a changed request is a new request, so it must
# not reuse the old confirmation or idempotency key
_CHANGE_CLEARS = {"booking_confirmed": None, "booking_change_pending": None,
                  "booking_idempotency_key": None}


def _names_a_time(turn: FormTurn) -> bool:
    return bool(turn.text) and not read_when(turn.text, WhenRequest(), turn.now.date()).is_empty


def _phone_in(text: str) -> str | None:
    match = _PHONE_RUN.search(text or "")
    return match.group(0) if match and len(re.sub(r"\D", "", match.group(0))) >= 8 else None


# --- the booking form ---------------------------------------------------------------------------

def extract(catalog: Catalog, turn: FormTurn) -> dict[str, Any]:
    """Slot values taken from the latest message of the booking form."""
    if turn.requested is None:
        return _at_start(catalog, turn)
    changed = change_request(turn)
    if changed is not None:
        return changed
    if turn.intent in STOPS:
        return {}
    value = _EXTRACTORS[turn.requested](catalog, turn) if turn.requested in _EXTRACTORS else None
    if value is None and turn.intent in INTERRUPTIONS:
        return {}
    if value is None:
        value = {turn.requested: turn.text or turn.entities.get(turn.requested) or ""}
    # an answer that changes nothing closes the "what to change?" question: it never traps
    return {"booking_change_pending": None, **value} if turn.slots.get(
        "booking_change_pending") else value


def _at_start(catalog: Catalog, turn: FormTurn) -> dict[str, Any]:
    """The request that opened the form may already name the service and the time."""
    found: dict[str, Any] = {}
    named = resolve(catalog, "services", turn.entities.get("service") or turn.slots.get("service"))
    if named and not turn.slots.get("booking_service"):
        found["booking_service"] = named
    if _names_a_time(turn) and not turn.slots.get("booking_slot"):
        found["booking_slot"] = turn.text
    return found


def change_request(turn: FormTurn) -> dict[str, Any] | None:
    """The slots a request to change an answer sets, or None when the message is no such request.

    A field named (a button, "電話") is cleared and asked again; a new time or phone in the same
    message ("改做禮拜三下晝") is taken as the new answer; a change with neither asks what to change.
    """
    pending = bool(turn.slots.get("booking_change_pending"))
    field = turn.entities.get("booking_field") or (field_in(turn.text) if turn.text else None)
    value_field, value = _new_value(turn, field)
    wants = (bool(turn.entities.get("booking_field")) or pending
             or turn.intent == "change_booking" or asks_for_change(turn.text)
             or (turn.requested == "booking_confirmed" and value_field is not None))
    if not wants:
        return None
    if (turn.requested == "booking_service" and turn.intent != "change_booking" and not pending
            and not value_field and not turn.entities.get("booking_field")):
        return None  # "我想辦改名" names a service; it changes nothing
    field = field or value_field
    if field == turn.requested and not pending:
        return None  # "make it 3pm" when the time is asked: an answer, read with the day asked
    if field in REQUIRED and field != "booking_confirmed":
        cleared: dict[str, Any] = {**_CHANGE_CLEARS, field: value}
        if field == "booking_slot":
            # a new time keeps the day chosen before ("改做三點"); no time: offer them all
            cleared |= {"booking_slot_choices": None} | (
                {} if value else {"booking_when": None})
        if field == "id_type":
            cleared["id_number"] = None
        return cleared
    if pending:  # "nothing to change", or an answer to the open question (extract)
        return {"booking_change_pending": None} if yes_or_no(turn.text, turn.intent) is False \
            else None
    return {"booking_change_pending": True, "booking_confirmed": None}


def _new_value(turn: FormTurn, field: str | None) -> tuple[str | None, str | None]:
    if field in (None, "booking_slot") and _names_a_time(turn):
        return "booking_slot", turn.text
    phone = _phone_in(turn.text)
    if field in (None, "contact_phone") and phone:
        return "contact_phone", phone
    return None, None


def _service_value(catalog: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    candidate = turn.slots.get("booking_service_candidate") or {}
    answer = yes_or_no(turn.text, turn.intent) if candidate else None
    if answer is True:
        return {"booking_service": candidate["service"]}
    if answer is False:  # what they asked for is not in the list: say so
        return {"booking_service": "", "booking_service_candidate": None}
    named = resolve(catalog, "services", turn.entities.get("service"))
    if not named and turn.text:
        named = next(iter(find_ids(catalog, "services", turn.text)), None)
    if not named and yes_or_no(turn.text, turn.intent) is not None:
        return {"booking_service": None}  # a bare yes or no names nothing: ask again
    return {"booking_service": named} if named else None


def _slot_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    return {"booking_slot": turn.text} if _names_a_time(turn) else None


def _name_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    if turn.intent in INTERRUPTIONS:
        return None
    # "yes" or "ok" is no name: re-asked rather than booked under it
    return {"applicant_name": "" if turn.intent in ("affirm", "deny") else turn.text}


def _has_digits(slot: str) -> Any:
    def value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
        return {slot: turn.text} if re.search(r"\d", turn.text) else None
    return value


def _id_type_value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
    chosen = turn.entities.get("id_type") or id_type_in(turn.text)
    if chosen:
        return {"id_type": chosen}
    shaped = document_type_of(turn.text)  # "A123456(3)" typed straight away
    return {"id_type": shaped, "id_number": turn.text} if shaped else None


def _yes_or_no(slot: str) -> Any:
    def value(_: Catalog, turn: FormTurn) -> dict[str, Any] | None:
        answer = yes_or_no(turn.text, turn.intent)
        return None if answer is None else {slot: answer}
    return value


_EXTRACTORS = {
    "booking_service": _service_value,
    "booking_slot": _slot_value,
    "applicant_name": _name_value,
    "contact_phone": _has_digits("contact_phone"),
    "id_type": _id_type_value,
    "id_number": _has_digits("id_number"),
    "booking_confirmed": _yes_or_no("booking_confirmed"),
}


# --- checking, cancelling and moving a booking --------------------------------------------------

def extract_lookup(turn: FormTurn) -> dict[str, Any]:
    """Slot values taken from the latest message of the lookup form."""
    if turn.intent in LOOKUP_LEAVES:
        return {}
    if turn.requested is None:
        return _lookup_at_start(turn)
    if turn.requested == "lookup_confirmed" and _names_a_time(turn):
        return {"booking_slot": turn.text, "lookup_confirmed": None}  # "actually, Friday"
    value = _LOOKUP_EXTRACTORS[turn.requested](None, turn) if (
        turn.requested in _LOOKUP_EXTRACTORS) else None
    if value is not None:
        return value
    if turn.intent in INTERRUPTIONS:
        return {}
    # a reference is only ever taken from the entity; anything else is re-asked
    return {turn.requested: "" if turn.requested == "booking_reference" else turn.text}


def _lookup_at_start(turn: FormTurn) -> dict[str, Any]:
    found: dict[str, Any] = {}
    reference = turn.entities.get("booking_reference")
    if reference and reference != turn.slots.get("booking_reference"):
        found |= {"booking_reference": reference, "booking_found": None}
    if turn.slots.get("booking_lookup_purpose") == "move" and _names_a_time(turn):
        found["booking_slot"] = turn.text  # "move it to Thursday"
    return found


def _reference_value(_: Any, turn: FormTurn) -> dict[str, Any] | None:
    reference = turn.entities.get("booking_reference")  # canonical, from understanding
    return {"booking_reference": reference} if reference else None


_LOOKUP_EXTRACTORS = {
    "booking_reference": _reference_value,
    "contact_phone": _has_digits("contact_phone"),
    "booking_slot": _slot_value,
    "lookup_confirmed": _yes_or_no("lookup_confirmed"),
}
