"""视频办 booking: the forms' extraction, validation and questions; booking, checking, cancelling
and moving.

Thin wrappers: the decisions are in bot/booking/conversation/, the HTTP in bot/booking/client.py
(async: nothing here blocks the action server's event loop). Failures never reach the user as
silence or a stack trace: the booking service being down is a normal outcome with its own message
(and a retry that cannot book twice).

Personal data (contract 5): the clear name, phone and ID number live only in a short-lived draft
in the channel state; the slots these actions set hold masked values.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import language_of, latest_entities, typed_text
from bot.booking import conversation
from bot.booking.client import BookingClient
from bot.booking.conversation import Drafts, FormTurn, Step
from bot.booking.schedule import beijing_now
from bot.catalog import default_catalog
from bot.dialogue import error_reply

logger = logging.getLogger(__name__)
drafts = Drafts()


@cache
def booking_client() -> BookingClient:
    """Configured by BOOKING_API_URL, BOOKING_API_TOKEN, BOOKING_API_TIMEOUT and
    BOOKING_API_DEADLINE."""
    return BookingClient.from_environment()


async def form_turn(tracker: Tracker) -> FormTurn:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
    slots = dict(tracker.slots)
    return FormTurn(text=typed_text(tracker), intent=intent, entities=latest_entities(tracker),
                    slots=slots, language=language_of(tracker), now=beijing_now(),
                    draft=await drafts.load(slots.get("booking_draft")))


async def send(dispatcher: CollectingDispatcher, turn: FormTurn, step: Step) -> list[EventType]:
    """Keeps the step's clear values in the draft, says its replies, returns its slot events."""
    events: list[EventType] = []
    draft_id = turn.slots.get("booking_draft")
    if step.draft and (draft_id or any(step.draft.values())):
        if not draft_id:
            draft_id = conversation.new_draft_id()
            events.append(SlotSet("booking_draft", draft_id))
        await drafts.update(draft_id, step.draft)
    for reply in step.replies:
        dispatcher.utter_message(**reply.as_message())
    return events + [SlotSet(name, value) for name, value in step.slots.items()]


def _apologise(dispatcher: CollectingDispatcher, tracker: Tracker, name: str) -> None:
    logger.exception("%s failed for %s", name, tracker.sender_id)
    dispatcher.utter_message(**error_reply(language_of(tracker), None).as_message())


class _SafeValidation:
    """A form validation that turns any failure into an apology and ends the form, answers kept."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        except Exception:
            _apologise(dispatcher, tracker, self.name())  # type: ignore[attr-defined]
            return [SlotSet("requested_slot", None)]


class _AskingValidation(_SafeValidation):
    """A form validation that also asks the form's next question.

    Rasa 3.6 runs the validation at every step of a form (its activation, each answer, the return
    after an interruption), then runs the next slot's ask action: a second call to this server
    on every form turn. Here the validation asks, the domain declares no ask actions, and Rasa,
    finding none, asks nothing more (``FormAction._ask_for_slot``). The validation names the slot
    it asked (``requested_slot``), so Rasa requests the same one.
    """

    lookup: ClassVar[bool]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        # read before the run: the SDK adds the run's slots to the tracker
        may_reject = rasa_may_reject(tracker, self.form_name())
        events = await super().run(dispatcher, tracker, domain)
        if may_reject and not any(_sets(e) and e["name"] != "requested_slot" for e in events):
            return events  # Rasa rejects the run (see rasa_may_reject)
        named = [e["value"] for e in events if _sets(e, "requested_slot")]
        events = [e for e in events if not _sets(e, "requested_slot")]
        slot = named[-1] if named else next(
            (s for s in self.domain_slots(domain) if tracker.slots.get(s) is None), None)
        if slot is not None:
            try:
                turn = await form_turn(tracker)
                ask: Any = conversation.ask_lookup if self.lookup else conversation.ask
                step = await ask(default_catalog(), booking_client(), turn, slot)
                slot = step.slots.pop("requested_slot", slot)  # None: nothing to offer, it ends
                events += await send(dispatcher, turn, step)
            except Exception:
                _apologise(dispatcher, tracker, self.name())
        return [*events, SlotSet("requested_slot", slot)]


def _sets(event: EventType, slot: str | None = None) -> bool:
    return event.get("event") == "slot" and slot in (None, event.get("name"))


def rasa_may_reject(tracker: Tracker, form: str) -> bool:
    """Whether Rasa rejects this run of ``form`` unless the validation fills a slot
    (``FormAction.validate``): the form is active and runs right after the user's message, a
    slot was requested, and the message filled none. The rules then answer the message, and the
    form resumes after. Rasa drops the events of a rejected run; a question asked in it would
    set slots of its own, and Rasa would no longer reject it.

    Rasa sends the validation the conversation followed by a marker: the slot the form requested
    (None while it is being activated), the form's own action, then the slots the latest message
    filled (``FormAction._temporary_tracker``). The action before the marker is the one Rasa
    sees as the latest."""
    events = tracker.events
    actions = [index for index, event in enumerate(events) if event.get("event") == "action"]
    if len(actions) < 2 or events[actions[-1]].get("name") != form:
        return False
    runs_after_message = events[actions[-2]].get("name") == "action_listen"
    filled = any(_sets(event) for event in events[actions[-1] + 1:])
    return ((tracker.active_loop or {}).get("name") == form and runs_after_message
            and tracker.slots.get("requested_slot") is not None and not filled)


class ValidateVideoBookingForm(_AskingValidation, FormValidationAction):
    """Takes each answer from the latest message and checks it, with a specific re-ask, then asks
    the next question."""

    lookup = False

    def name(self) -> str:
        return "validate_video_booking_form"

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        extracted = conversation.extract(default_catalog(), await form_turn(tracker))
        return [SlotSet(name, value) for name, value in extracted.items()]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        turn = await form_turn(tracker)
        step = await conversation.validate_booking(default_catalog(), booking_client(), turn,
                                                   tracker.slots_to_validate())
        return await send(dispatcher, turn, step)


class ValidateBookingLookupForm(_AskingValidation, FormValidationAction):
    """Reference and phone, then (to cancel or move) the new time and a yes; the validation names
    the next question itself, as it depends on the purpose, and asks it."""

    lookup = True

    def name(self) -> str:
        return "validate_booking_lookup_form"

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        extracted = conversation.extract_lookup(await form_turn(tracker))
        return [SlotSet(name, value) for name, value in extracted.items()]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        turn = await form_turn(tracker)
        step = await conversation.validate_lookup(booking_client(), turn,
                                                  tracker.slots_to_validate())
        return await send(dispatcher, turn, step)

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> EventType | None:
        return None  # validate_lookup has set requested_slot


class _StepAction:
    """Mixed into an Action that sends a conversation Step, or an honest apology on failure.

    A mixin, not an Action subclass: rasa_sdk registers every Action subclass it finds.
    """

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    async def step(self, turn: FormTurn) -> Step:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            turn = await form_turn(tracker)
            return await send(dispatcher, turn, await self.step(turn))
        except Exception:
            _apologise(dispatcher, tracker, self.name())
            return []


class ActionSubmitBooking(_StepAction, Action):
    action_name = "action_submit_booking"

    async def step(self, turn: FormTurn) -> Step:
        return await conversation.submit(default_catalog(), booking_client(), turn)


class ActionStopBooking(_StepAction, Action):
    action_name = "action_stop_booking"

    async def step(self, turn: FormTurn) -> Step:
        return conversation.stopped(turn)


class ActionBookingLookup(_StepAction, Action):
    action_name = "action_booking_lookup"

    async def step(self, turn: FormTurn) -> Step:
        return await conversation.look_up(default_catalog(), booking_client(), turn)
