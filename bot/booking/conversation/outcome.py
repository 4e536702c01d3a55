"""What to say once the booking service has answered: booked, not booked and why, checked,
cancelled, moved. Every failure keeps what the user entered and offers a retry and a person."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.booking.client import BookingClient, BookingRejected, BookingUnavailable, OutcomeUnknown
from bot.booking.conversation.draft import DRAFT_MINUTES
from bot.booking.conversation.times import slot_long
from bot.booking.conversation.turn import (
    BOOKING_SLOTS,
    LOOKUP_SLOTS,
    PERSONAL,
    PURPOSE_INTENTS,
    REQUIRED,
    FormTurn,
    Step,
    button,
    document_name,
    hotline,
    human_button,
)
from bot.booking.conversation.validate import booking_down
from bot.booking.schedule import default_schedule
from bot.catalog.model import Catalog
from bot.replies import Phrases, Reply, payload
from bot.replies.booking import how_clerk_connects, materials_to_prepare


def _book_again(phrases: Phrases, service_id: str | None) -> dict[str, str]:
    """Booking again keeps the service the user had (after a cancel, a full slot, a refusal)."""
    return phrases.button("book_video", payload("book_video_service", service=service_id))


async def submit(catalog: Catalog, client: BookingClient, turn: FormTurn) -> Step:
    """Books what the form collected. Nothing happens when the form ended early (an outage
    already told the user), so a half-filled form is never sent."""
    slots, phrases = turn.slots, turn.phrases
    if not all(slots.get(name) for name in REQUIRED) or not slots.get("booking_idempotency_key"):
        return Step()
    if not all(turn.draft.get(name) for name in PERSONAL):
        # the draft expired between the summary and now: ask again, keeping service and time
        return Step({**dict.fromkeys(PERSONAL), "booking_confirmed": None,
                     "booking_idempotency_key": None},
                    [Reply(phrases("booking.draft_expired", minutes=DRAFT_MINUTES),
                           [phrases.button("retry", payload("book_video_service"))])])
    request = {"service": slots["booking_service"], "slot": slots["booking_slot"],
               "applicant_name": turn.draft["applicant_name"],
               "phone": turn.draft["contact_phone"], "id_type": slots["id_type"],
               "id_number": turn.draft["id_number"], "language": turn.language}
    try:
        booking = await client.create(request, slots["booking_idempotency_key"])
    except OutcomeUnknown:
        return Step(replies=[Reply(phrases("booking.booking_unknown", **hotline(catalog)), [
            phrases.button("retry", payload("book_video_service")), human_button(phrases)])])
    except BookingUnavailable:
        return Step(replies=booking_down(turn).replies)
    except BookingRejected as rejected:
        return _refused(catalog, rejected, turn)
    # the phone stays (masked in the slot, clear in the draft) for "check my booking"
    done = dict.fromkeys(BOOKING_SLOTS) | {"booking_reference": booking["reference"],
                                           "service": booking["service"],
                                           "contact_phone": slots["contact_phone"]}
    forget = {"applicant_name": None, "id_number": None}
    if booking["status"] != "booked":  # the key of a booking that was made, then cancelled
        return Step(done, [Reply(phrases("booking.replayed_cancelled",
                                         reference=booking["reference"]),
                                 [_book_again(phrases, booking["service"])])], forget)
    service = catalog.services[booking["service"]]
    start = datetime.fromisoformat(booking["slot"]["start"])
    lines = [
        phrases("booking.booked", reference=booking["reference"], slot=slot_long(start, phrases),
                service=phrases.text(service.name)),
        how_clerk_connects(phrases),
        phrases("booking.prepare", document=document_name(slots["id_type"], turn)),
        materials_to_prepare(service, slots["id_type"], phrases),
    ]
    text = "\n".join(line for line in lines if line)
    return Step(done, [Reply(text, [phrases.button("check", payload("check_booking")),
                                    button(phrases, "move", payload("change_booking")),
                                    human_button(phrases)])], forget)


def _refused(catalog: Catalog, rejected: BookingRejected, turn: FormTurn) -> Step:
    phrases = turn.phrases
    if rejected.code.startswith("slot") or rejected.code == "closed_day":
        return Step({"booking_slot": None, "booking_confirmed": None,
                     "booking_idempotency_key": None},
                    [Reply(phrases("booking.slot_gone"),
                           [phrases.button("pick_time", payload("book_video_service"))])])
    cleared = {"booking_confirmed": None, "booking_idempotency_key": None}
    if rejected.code == "too_many_bookings":
        return Step(cleared, [Reply(
            phrases("booking.too_many_bookings",
                    most=default_schedule().max_active_per_person, **hotline(catalog)),
            [phrases.button("check", payload("check_booking")), human_button(phrases)])])
    return Step(cleared, [Reply(phrases("booking.booking_refused", code=rejected.code,
                                        **hotline(catalog)), [human_button(phrases)])])


def stopped(turn: FormTurn) -> Step:
    phrases = turn.phrases
    return Step(dict.fromkeys(BOOKING_SLOTS), [Reply(phrases("booking.stopped"), [
        phrases.button("browse", payload("list_services")), human_button(phrases)])],
        dict.fromkeys(PERSONAL))


# --- checking, cancelling and moving a booking --------------------------------------------------

async def look_up(catalog: Catalog, client: BookingClient, turn: FormTurn) -> Step:
    """The end of the lookup form: show the booking, or cancel or move it once confirmed."""
    found: Mapping[str, Any] | None = turn.slots.get("booking_found")
    phrases = turn.phrases
    if not found:  # the form ended early and said why
        return Step()
    purpose = turn.slots.get("booking_lookup_purpose") or "check"
    done = dict.fromkeys(LOOKUP_SLOTS)
    start = datetime.fromisoformat(found["start"])
    words = {"reference": found["reference"], "slot": slot_long(start, phrases)}
    if purpose == "check" or found["status"] != "booked":
        return Step(done, [_found(catalog, found, phrases, purpose)])
    if start <= turn.now:
        return Step(done, [Reply(phrases(f"booking.too_late_to_{purpose}", **words),
                                 [human_button(phrases)])])
    if not turn.slots.get("lookup_confirmed"):
        return Step(done, [Reply(phrases("booking.unchanged", **words), [
            phrases.button("check", payload("check_booking")), human_button(phrases)])])
    if not turn.draft.get("contact_phone"):  # expired since the question: ask again
        return Step({**done, "contact_phone": None}, [Reply(
            phrases("booking.draft_expired", minutes=DRAFT_MINUTES),
            [phrases.button("retry", payload(PURPOSE_INTENTS[purpose]))])])
    if purpose == "cancel":
        return await _cancel(client, turn, found, done)
    return await _move(client, turn, found, done)


def _found(catalog: Catalog, found: Mapping[str, Any], phrases: Phrases, purpose: str) -> Reply:
    service = catalog.services.get(found["service"])
    status = phrases.word(f"booking.status_{found['status']}")
    text = phrases("booking.found", reference=found["reference"], status=status,
                   slot=slot_long(datetime.fromisoformat(found["start"]), phrases),
                   service=phrases.text(service.name) if service else found["service"])
    if found["status"] != "booked":
        if purpose != "check":
            text = f"{text}\n{phrases('booking.already_cancelled')}"
        return Reply(text, [_book_again(phrases, found["service"]), human_button(phrases)])
    return Reply(text, [button(phrases, "move", payload("change_booking")),
                        phrases.button("cancel", payload("cancel_booking")),
                        human_button(phrases)])


def _lookup_failed(error: Exception, turn: FormTurn, retry: str) -> Reply:
    phrases = turn.phrases
    if isinstance(error, BookingUnavailable):
        return Reply(phrases("booking.lookup_down"), [phrases.button("retry", payload(retry)),
                                                      human_button(phrases)])
    code = getattr(error, "code", "")
    key = code if code in ("too_late_to_cancel", "too_late_to_move", "booking_cancelled") else (
        "move_slot_gone" if code.startswith("slot") or code == "closed_day" else "not_found")
    return Reply(phrases(f"booking.{key}"), [phrases.button("retry", payload(retry)),
                                             human_button(phrases)])


async def _cancel(client: BookingClient, turn: FormTurn, found: Mapping[str, Any],
                  done: dict[str, Any]) -> Step:
    phrases = turn.phrases
    try:
        booking = await client.cancel(found["reference"], turn.draft["contact_phone"])
    except (BookingUnavailable, BookingRejected) as error:
        return Step(done, [_lookup_failed(error, turn, PURPOSE_INTENTS["cancel"])])
    slot = slot_long(datetime.fromisoformat(booking["slot"]["start"]), phrases)
    return Step(done, [Reply(phrases("booking.cancelled", reference=booking["reference"],
                                     slot=slot),
                             [_book_again(phrases, booking["service"]), human_button(phrases)])])


async def _move(client: BookingClient, turn: FormTurn, found: Mapping[str, Any],
                done: dict[str, Any]) -> Step:
    phrases = turn.phrases
    try:
        booking = await client.move(found["reference"], turn.draft["contact_phone"],
                                    turn.slots["booking_slot"])
    except (BookingUnavailable, BookingRejected) as error:
        return Step(done, [_lookup_failed(error, turn, PURPOSE_INTENTS["move"])])
    slot = slot_long(datetime.fromisoformat(booking["slot"]["start"]), phrases)
    return Step(done, [Reply(phrases("booking.moved", reference=booking["reference"], slot=slot),
                             [phrases.button("check", payload("check_booking")),
                              human_button(phrases)])])
