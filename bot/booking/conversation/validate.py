"""Is each answer right, and if not, say precisely why; for the lookup form, also find the booking
once its reference and phone are known. Personal answers are checked in personal.py."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.booking.client import BookingClient, BookingRejected, BookingUnavailable
from bot.booking.conversation import personal
from bot.booking.conversation.times import (
    Choice,
    choose,
    day_words,
    free_slots,
    hours_words,
    iso,
    read_when,
)
from bot.booking.conversation.turn import (
    LOOKUP_REQUIRED,
    PURPOSE_INTENTS,
    REQUIRED,
    FormTurn,
    Step,
    hotline,
    human_button,
)
from bot.booking.conversation.words import unnamed_words
from bot.booking.identity import (
    ID_TYPES,
)
from bot.booking.schedule import default_schedule
from bot.booking.when import WhenRequest
from bot.catalog.model import Catalog
from bot.catalog.search import search_services
from bot.replies import Reply, payload
from bot.replies import services as service_replies

Validator = Callable[[Catalog, BookingClient, FormTurn, Any], Awaitable[Step]]


async def validate_booking(catalog: Catalog, client: BookingClient, turn: FormTurn,
                           to_validate: Mapping[str, Any]) -> Step:
    """Checks the answers of the booking form in the form's order, each seeing the ones before."""
    if is_confirmed_retry(turn.slots):
        # "再试一次" after an outage: the same confirmed answers go to the booking API again
        expired = personal.expired(turn, skip=set())
        return expired if expired.slots else Step(dict(to_validate))
    step = personal.expired(turn, skip=set(to_validate))
    turn = turn.after(step)
    to_validate = {slot: value for slot, value in to_validate.items() if slot not in step.slots}
    for slot, value in to_validate.items():
        if slot not in REQUIRED:
            step = step.then(Step({slot: value}))
    for slot in (s for s in REQUIRED if s in to_validate):
        value = to_validate[slot]
        part = Step({slot: None}) if value is None else await _BOOKING[slot](
            catalog, client, turn, value)
        step, turn = step.then(part), turn.after(part)
    return step


def is_confirmed_retry(slots: Mapping[str, Any]) -> bool:
    """The form restarts on answers the user already confirmed (a retry after an outage):
    checking them again could change them and lose the booking the first try may have made."""
    return (slots.get("requested_slot") is None and slots.get("booking_confirmed") is True
            and bool(slots.get("booking_idempotency_key")))


# --- the booking form ---------------------------------------------------------------------------

async def _service(catalog: Catalog, _: BookingClient, turn: FormTurn, value: Any) -> Step:
    phrases = turn.phrases
    service = catalog.services.get(value) if isinstance(value, str) else None
    if service is None:
        return _not_in_list(catalog, turn, str(value))
    if not service.video_session_possible:
        explanation = service_replies.eligibility(catalog, service, phrases)
        return Step({"booking_service": None, "booking_service_candidate": None}, [
            Reply(phrases("booking.not_by_video", name=phrases.text(service.name))), explanation])
    if _asks_for_more(catalog, turn, service.id):
        # "annual report for my sole proprietorship": the nearest catalog service is not what
        # was asked; the next question confirms it (ask.py), a "no" says it is not in the list
        return Step({"booking_service": None,
                     "booking_service_candidate": {"service": service.id}})
    return Step({"booking_service": service.id, "booking_service_candidate": None})


def _asks_for_more(catalog: Catalog, turn: FormTurn, service_id: str) -> bool:
    """Whether the message asks for something besides the service and catalog, question and
    booking words; never for a button, a confirmed candidate or a plain request."""
    candidate = turn.slots.get("booking_service_candidate") or {}
    if not turn.text or candidate.get("service") == service_id:
        return False
    return bool(unnamed_words(catalog, turn.text))


def _not_in_list(catalog: Catalog, turn: FormTurn, query: str) -> Step:
    phrases = turn.phrases
    close = [s for s in search_services(catalog, query).suggestions if s.video_session_possible]
    buttons = [{"title": phrases.localised(s.name), "payload": payload("inform", service=s.id)}
               for s in close[:3]]
    key = "booking.not_in_list" if query else "booking.asked_not_in_list"
    text = phrases(key, query=query[:40], **hotline(catalog))
    return Step({"booking_service": None, "booking_service_candidate": None},
                [Reply(text, [*buttons, human_button(phrases)])])


async def _slot(catalog: Catalog, client: BookingClient, turn: FormTurn, value: Any) -> Step:
    return await validate_time(client, turn, value, turn.slots.get("booking_service"))


async def validate_time(client: BookingClient, turn: FormTurn, value: Any,
                        service_id: str | None, exclude: str | None = None) -> Step:
    """A typed or tapped time, read with the day asked before and the slots just shown."""
    earlier = WhenRequest.from_slot(turn.slots.get("booking_when"))
    request = read_when(str(value), earlier, turn.now.date())
    if not service_id:  # remembered until the service is known
        return Step({"booking_slot": None, "booking_when": request.as_slot()})
    shown = [datetime.fromisoformat(c) for c in turn.slots.get("booking_slot_choices") or []]
    if request.is_empty and shown:
        # nothing in it reads as a time: the choices just shown are offered again, as the slot
        # question offers them, without asking the booking service (a slot picked is checked)
        choice = Choice(request, offer=tuple(shown), why="slot_not_understood")
    else:
        try:
            free = await free_slots(client, service_id, turn.now, exclude)
        except BookingUnavailable:
            return booking_down(turn)
        choice = choose(request, shown, free, turn.now.date())
    if choice.slot:  # its day stays, so a later "改做三點" is that day at 15:00
        day = WhenRequest(choice.slot.date())
        return Step({"booking_slot": choice.slot.isoformat(timespec="minutes"),
                     "booking_slot_choices": None, "booking_when": day.as_slot()})
    step = Step({"booking_slot": None, "booking_slot_choices": iso(choice.offer),
                 "booking_when": choice.request.as_slot()})
    if choice.why:
        phrases = turn.phrases
        day = day_words(choice.request.day, phrases) if choice.request.day else ""
        step.replies.append(Reply(phrases(f"booking.{choice.why}", date=day, hours=hours_words(),
                                          days=default_schedule().max_days_ahead)))
    return step


async def _id_type(_: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    if value in ID_TYPES:
        return Step({"id_type": value})
    return Step({"id_type": None}, [Reply(turn.phrases("booking.id_type_unclear"))])


async def _confirmation(_: Catalog, __: BookingClient, turn: FormTurn, value: Any) -> Step:
    if value is True:
        # the key makes every retry of this booking the same booking (never a second one)
        key = turn.slots.get("booking_idempotency_key") or uuid.uuid4().hex
        return Step({"booking_confirmed": True, "booking_idempotency_key": key})
    if value is False:
        return Step({"booking_confirmed": None, "booking_change_pending": True})
    return Step({"booking_confirmed": None}, [Reply(turn.phrases("booking.confirm_unclear"))])


_BOOKING: dict[str, Validator] = {
    "booking_service": _service,
    "booking_slot": _slot,
    "applicant_name": personal.NAME,
    "contact_phone": personal.PHONE,
    "id_type": _id_type,
    "id_number": personal.ID_NUMBER,
    "booking_confirmed": _confirmation,
}


def booking_down(turn: FormTurn) -> Step:
    """The booking service is not answering: say so and end the form, keeping every answer."""
    phrases = turn.phrases
    return Step({"requested_slot": None}, [Reply(phrases("booking.booking_down"), [
        phrases.button("retry", payload("book_video_service")), human_button(phrases)])])


# --- checking, cancelling and moving a booking --------------------------------------------------

async def validate_lookup(client: BookingClient, turn: FormTurn, to_validate: Mapping[str, Any]
                          ) -> Step:
    """Checks the lookup answers; once the reference and phone are known, finds the booking. The
    step always names the next question (``requested_slot``; None ends the form)."""
    step = Step()
    phone = to_validate.get("contact_phone") or turn.slots.get("contact_phone")
    kept = turn.draft.get("contact_phone")
    if phone and "*" in str(phone) and not (kept and personal.masked_phone(kept) == phone):
        step = Step({"contact_phone": None})  # the phone kept from before expired: ask again
        phone = None
    if "booking_reference" in to_validate:
        step = step.then(_reference(turn, to_validate["booking_reference"]))
    turn = turn.after(step)
    if phone and "contact_phone" in to_validate:
        part = await personal.PHONE(None, client, turn, phone)
        step, turn = step.then(part), turn.after(part)
    if not turn.slots.get("booking_found") and turn.slots.get("booking_reference") and (
            turn.draft.get("contact_phone") and turn.slots.get("contact_phone")):
        part = await _find(client, turn)
        step, turn = step.then(part), turn.after(part)
        if "requested_slot" in part.slots:
            return step
    for slot in ("booking_slot", "lookup_confirmed"):
        if slot in to_validate:
            part = await _LOOKUP[slot](client, turn, to_validate[slot])
            step, turn = step.then(part), turn.after(part)
            if "requested_slot" in part.slots:
                return step
    required = LOOKUP_REQUIRED[_purpose(turn)]
    missing = next((slot for slot in required if turn.slots.get(slot) is None), None)
    return step.then(Step({"requested_slot": missing}))


def _purpose(turn: FormTurn) -> str:
    purpose = turn.slots.get("booking_lookup_purpose")
    return purpose if purpose in LOOKUP_REQUIRED else "check"


def _reference(turn: FormTurn, value: Any) -> Step:
    if value:
        changed = value != turn.slots.get("booking_reference")
        return Step({"booking_reference": value, **({"booking_found": None} if changed else {})})
    phrases = turn.phrases
    return Step({"booking_reference": None}, [Reply(phrases("booking.reference_invalid"), [
        phrases.button("stop", payload("stop")), human_button(phrases)])])


async def _find(client: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    try:
        booking = await client.lookup(turn.slots["booking_reference"], turn.draft["contact_phone"])
    except BookingUnavailable:
        return Step({"requested_slot": None}, [Reply(phrases("booking.lookup_down"), [
            phrases.button("retry", payload(PURPOSE_INTENTS[_purpose(turn)])),
            human_button(phrases)])])
    except BookingRejected:
        return Step({"booking_reference": None, "contact_phone": None, "booking_found": None},
                    [Reply(phrases("booking.not_found"), [human_button(phrases)])],
                    draft={"contact_phone": None})
    found = {"reference": booking["reference"], "service": booking["service"],
             "start": booking["slot"]["start"], "status": booking["status"]}
    step = Step({"booking_found": found, "service": booking["service"]})
    purpose = turn.slots.get("booking_lookup_purpose")
    started = datetime.fromisoformat(found["start"]) <= turn.now
    if purpose in ("cancel", "move") and (found["status"] != "booked" or started):
        step.slots["requested_slot"] = None  # nothing to change: the outcome says why
    return step


async def _new_time(client: BookingClient, turn: FormTurn, value: Any) -> Step:
    found = turn.slots.get("booking_found") or {}
    if value is None:
        return Step({"booking_slot": None})
    return await validate_time(client, turn, value, found.get("service"), found.get("start"))


async def _lookup_confirmation(_: BookingClient, turn: FormTurn, value: Any) -> Step:
    if isinstance(value, bool):
        return Step({"lookup_confirmed": value, "requested_slot": None})
    return Step({"lookup_confirmed": None},
                [Reply(turn.phrases("booking.yes_or_no"))] if value is not None else [])


_LOOKUP = {"booking_slot": _new_time, "lookup_confirmed": _lookup_confirmation}
