"""What to ask next, in the reader's language, with buttons for the likely answers and a way out.
The first question for personal data comes with a short privacy notice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.booking.client import BookingClient, BookingUnavailable
from bot.booking.conversation.draft import DRAFT_MINUTES
from bot.booking.conversation.times import (
    choose,
    day_words,
    free_slots,
    slot_long,
    slot_title,
)
from bot.booking.conversation.turn import FormTurn, Step, button, document_name, stop_button
from bot.booking.conversation.validate import booking_down
from bot.booking.identity import ID_TYPES
from bot.booking.schedule import BEIJING, default_schedule
from bot.booking.when import WhenRequest
from bot.catalog.model import Catalog, Service
from bot.replies import Reply, payload, phrase_data
from bot.replies.booking import video_warning

Asker = Callable[[Catalog, BookingClient, FormTurn], Awaitable[Step]]
CHANGEABLE = ("booking_service", "booking_slot", "applicant_name", "contact_phone", "id_type")


async def ask(catalog: Catalog, client: BookingClient, turn: FormTurn, slot: str) -> Step:
    if turn.slots.get("booking_change_pending"):
        return _ask_change(turn)
    return await _ASKERS[slot](catalog, client, turn)


def _pick_one(turn: FormTurn, question: str, names: str, entity: str, values: tuple[str, ...]
              ) -> Step:
    """A question answered by a button per value (titles from messages.yml ``names``)."""
    phrases = turn.phrases
    buttons = [{"title": phrases.localised(phrase_data(f"{names}.{value}")),
                "payload": payload("inform", **{entity: value})} for value in values]
    return Step(replies=[Reply(phrases(question), [*buttons, stop_button(phrases)])])


def _ask_change(turn: FormTurn) -> Step:
    return _pick_one(turn, "booking.ask_change", "booking.fields", "booking_field", CHANGEABLE)


async def _ask_service(catalog: Catalog, _: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    candidate = turn.slots.get("booking_service_candidate") or {}
    if candidate:
        service = catalog.services[candidate["service"]]
        text = phrases("booking.confirm_service", name=phrases.text(service.name))
        return Step(replies=[Reply(text, [button(phrases, "this_service", "/affirm"),
                                          button(phrases, "other_service", "/deny"),
                                          stop_button(phrases)])])
    suggested = [s for s in catalog.services.values()
                 if s.video_session_possible and s.channels.get("cross_border_zone")][:4]
    buttons = [{"title": phrases.localised(s.name), "payload": payload("inform", service=s.id)}
               for s in suggested]
    return Step(replies=[Reply(phrases("booking.ask_service"), [*buttons, stop_button(phrases)])])


async def offer_times(client: BookingClient, turn: FormTurn, service_id: str, intro: str,
                      exclude: str | None = None) -> Step:
    """The slot question: the slots offered before, or free ones that fit what was asked."""
    phrases = turn.phrases
    choices = turn.slots.get("booking_slot_choices")
    if choices:
        starts = [datetime.fromisoformat(c) for c in choices]
        days = {start.astimezone(BEIJING).date() for start in starts}
        # one day: say which, so the resident sees the day they asked for was understood
        question = (phrases("booking.ask_slot_on_day", date=day_words(days.pop(), phrases))
                    if len(days) == 1 else phrases("booking.ask_slot_choices"))
        text = f"{intro}\n{question}"
    else:
        try:
            free = await free_slots(client, service_id, turn.now, exclude)
        except BookingUnavailable:
            return booking_down(turn)
        if not free:
            return Step({"requested_slot": None}, [Reply(
                phrases("booking.no_free_slots", days=default_schedule().max_days_ahead),
                [phrases.button("human", payload("human_handoff"))])])
        wanted = WhenRequest.from_slot(turn.slots.get("booking_when"))
        starts = list(choose(wanted, [], free, turn.now.date()).offer)
        text = f"{intro}\n{phrases('booking.ask_slot')}\n{phrases('booking.hours_note')}"
    buttons = [{"title": slot_title(start, phrases), "payload": start.isoformat(timespec="minutes")}
               for start in starts]
    return Step({"booking_slot_choices": [b["payload"] for b in buttons]},
                [Reply(text, [*buttons, stop_button(phrases)])])


def _video_unconfirmed(service: Service, turn: FormTurn) -> list[str]:
    """A line saying 视频办 is not confirmed for this service, when no source confirms it."""
    warning = video_warning(service, turn.phrases)
    return [warning] if warning else []


async def _ask_slot(catalog: Catalog, client: BookingClient, turn: FormTurn) -> Step:
    service = catalog.services[turn.slots["booking_service"]]
    lines = [turn.phrases("booking.booking_for", name=turn.phrases.text(service.name))]
    if not turn.slots.get("booking_slot_choices"):  # the first time the time is asked
        lines += _video_unconfirmed(service, turn)
    return await offer_times(client, turn, service.id, "\n".join(lines))


async def _ask_name(_: Catalog, __: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    question = phrases("booking.ask_name")
    if turn.slots.get("booking_privacy_notice_shown"):
        return Step(replies=[Reply(question, [stop_button(phrases)])])
    notice = phrases("booking.privacy_notice", minutes=DRAFT_MINUTES,
                     days=default_schedule().keep_personal_data_days)
    chosen = phrases("booking.time_chosen", slot=slot_title(
        datetime.fromisoformat(turn.slots["booking_slot"]), phrases))
    return Step({"booking_privacy_notice_shown": True},
                [Reply(f"{chosen}\n{notice}\n\n{question}", [stop_button(phrases)])])


def _plain(key: str) -> Asker:
    async def question(_: Catalog, __: BookingClient, turn: FormTurn) -> Step:
        return Step(replies=[Reply(turn.phrases(key), [stop_button(turn.phrases)])])
    return question


async def _ask_id_type(_: Catalog, __: BookingClient, turn: FormTurn) -> Step:
    return _pick_one(turn, "booking.ask_id_type", "booking.documents", "id_type", ID_TYPES)


async def _ask_id_number(_: Catalog, __: BookingClient, turn: FormTurn) -> Step:
    phrases = turn.phrases
    document = document_name(turn.slots.get("id_type") or "", turn)
    return Step(replies=[Reply(phrases("booking.ask_id_number", document=document),
                               [stop_button(phrases)])])


async def _ask_confirmation(catalog: Catalog, _: BookingClient, turn: FormTurn) -> Step:
    """The summary, with masked personal data (the slots hold nothing else)."""
    phrases, slots = turn.phrases, turn.slots
    service = catalog.services[slots["booking_service"]]
    text = phrases("booking.summary", service=phrases.text(service.name),
                   slot=slot_long(datetime.fromisoformat(slots["booking_slot"]), phrases),
                   name=slots["applicant_name"], phone=slots["contact_phone"],
                   document=document_name(slots["id_type"], turn), number=slots["id_number"])
    text = "\n".join([*_video_unconfirmed(service, turn), text])
    return Step(replies=[Reply(text, [phrases.button("confirm", "/affirm"),
                                      phrases.button("change", "/deny"), stop_button(phrases)])])


_ASKERS: dict[str, Asker] = {
    "booking_service": _ask_service,
    "booking_slot": _ask_slot,
    "applicant_name": _ask_name,
    "contact_phone": _plain("booking.ask_phone"),
    "id_type": _ask_id_type,
    "id_number": _ask_id_number,
    "booking_confirmed": _ask_confirmation,
}


# --- checking, cancelling and moving a booking --------------------------------------------------

async def ask_lookup(catalog: Catalog, client: BookingClient, turn: FormTurn, slot: str) -> Step:
    phrases = turn.phrases
    found = turn.slots.get("booking_found") or {}
    if slot == "booking_reference":
        return Step(replies=[Reply(phrases("booking.ask_reference"), [
            stop_button(phrases), phrases.button("human", payload("human_handoff"))])])
    if slot == "contact_phone":
        return Step(replies=[Reply(phrases("booking.ask_lookup_phone"), [stop_button(phrases)])])
    start = datetime.fromisoformat(found["start"])
    if slot == "booking_slot":
        intro = phrases("booking.ask_move_slot", reference=found["reference"],
                        slot=slot_long(start, phrases))
        return await offer_times(client, turn, found["service"], intro, exclude=found["start"])
    if turn.slots.get("booking_lookup_purpose") == "move":
        text = phrases("booking.ask_move_confirm", reference=found["reference"],
                       old=slot_title(start, phrases),
                       new=slot_title(datetime.fromisoformat(turn.slots["booking_slot"]), phrases))
        yes, no = "yes_move", "keep"
    else:
        text = phrases("booking.ask_cancel_confirm", reference=found["reference"],
                       slot=slot_title(start, phrases))
        yes, no = "yes_cancel", "keep"
    return Step(replies=[Reply(text, [button(phrases, yes, "/affirm"),
                                      button(phrases, no, "/deny")])])
