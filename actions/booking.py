"""视频办 booking: the form's extraction, validation and questions, booking, checking, cancelling.

Thin wrappers: the decisions are in bot/booking/conversation.py, the HTTP in
bot/booking/client.py. Failures never reach the user as silence or a stack trace: the booking
service being down is a normal outcome with its own message (and a retry that cannot book twice).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import language_of, latest_entities, typed_text
from bot.booking import conversation
from bot.booking.client import BookingClient
from bot.booking.conversation import FormTurn, Step
from bot.booking.schedule import beijing_now
from bot.catalog import default_catalog
from bot.dialogue import error_reply

logger = logging.getLogger(__name__)


@cache
def booking_client() -> BookingClient:
    """Configured by BOOKING_API_URL, BOOKING_API_TOKEN and BOOKING_API_TIMEOUT."""
    return BookingClient.from_environment()


def form_turn(tracker: Tracker) -> FormTurn:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
    return FormTurn(text=typed_text(tracker), intent=intent, entities=latest_entities(tracker),
                    slots=dict(tracker.slots), language=language_of(tracker), now=beijing_now())


def send(dispatcher: CollectingDispatcher, step: Step) -> list[EventType]:
    for reply in step.replies:
        dispatcher.utter_message(**reply.as_message())
    return [SlotSet(name, value) for name, value in step.slots.items()]


class _SafeValidation:
    """A form validation that turns any failure into an apology and ends the form, answers kept."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        except Exception:
            logger.exception("%s failed for %s", self.name(), tracker.sender_id)  # type: ignore[attr-defined]
            dispatcher.utter_message(**error_reply(language_of(tracker), None).as_message())
            return [SlotSet("requested_slot", None)]


class ValidateVideoBookingForm(_SafeValidation, FormValidationAction):
    """Takes each answer from the latest message and checks it, with a specific re-ask."""

    def name(self) -> str:
        return "validate_video_booking_form"

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        extracted = conversation.extract(default_catalog(), form_turn(tracker))
        return [SlotSet(name, value) for name, value in extracted.items()]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        to_validate = tracker.slots_to_validate()
        if conversation.is_confirmed_retry(tracker.slots):
            # "再试一次" after an outage: the same confirmed answers go to the booking API again
            return [SlotSet(slot, value) for slot, value in to_validate.items()]
        turn = form_turn(tracker)
        events: list[EventType] = []
        for slot, value in to_validate.items():
            if slot not in conversation.REQUIRED or value is None:
                events.append(SlotSet(slot, value))
                continue
            step = conversation.validate(default_catalog(), booking_client(), turn, slot, value)
            events += send(dispatcher, step)
        return events


class ValidateBookingLookupForm(_SafeValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_lookup_form"

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        extracted = conversation.extract_lookup(form_turn(tracker))
        return [SlotSet(name, value) for name, value in extracted.items()]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        turn = form_turn(tracker)
        events: list[EventType] = []
        for slot, value in tracker.slots_to_validate().items():
            if slot == "booking_reference":
                events += send(dispatcher, conversation.validate_reference(turn, value))
            elif slot == "contact_phone" and value is not None:
                events += send(dispatcher, conversation.validate(
                    default_catalog(), booking_client(), turn, slot, value))
            else:
                events.append(SlotSet(slot, value))
        return events


class _StepAction:
    """Mixed into an Action that sends a conversation Step, or an honest apology on failure.

    A mixin, not an Action subclass: rasa_sdk registers every Action subclass it finds.
    """

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    def step(self, tracker: Tracker) -> Step:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            return send(dispatcher, self.step(tracker))
        except Exception:
            logger.exception("%s failed for %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(**error_reply(language_of(tracker), None).as_message())
            return []


def _asker(slot: str) -> type[Action]:
    class AskSlot(_StepAction, Action):
        action_name = f"action_ask_{slot}"

        def step(self, tracker: Tracker) -> Step:
            return conversation.ask(default_catalog(), booking_client(), form_turn(tracker), slot)

    AskSlot.__name__ = f"ActionAsk_{slot}"
    return AskSlot


def _lookup_asker(slot: str) -> type[Action]:
    class AskLookupSlot(_StepAction, Action):
        action_name = f"action_ask_booking_lookup_form_{slot}"

        def step(self, tracker: Tracker) -> Step:
            return conversation.ask_lookup(form_turn(tracker), slot)

    AskLookupSlot.__name__ = f"ActionAskLookup_{slot}"
    return AskLookupSlot


# one question action per form slot (Rasa looks for action_ask_<slot>)
ASK_ACTIONS = [_asker(slot) for slot in conversation.REQUIRED] + [
    _lookup_asker(slot) for slot in ("booking_reference", "contact_phone")]


class ActionSubmitBooking(_StepAction, Action):
    action_name = "action_submit_booking"

    def step(self, tracker: Tracker) -> Step:
        return conversation.submit(default_catalog(), booking_client(), tracker.slots,
                                   language_of(tracker))


class ActionStopBooking(_StepAction, Action):
    action_name = "action_stop_booking"

    def step(self, tracker: Tracker) -> Step:
        return conversation.stopped(language_of(tracker))


class ActionBookingLookup(_StepAction, Action):
    action_name = "action_booking_lookup"

    def step(self, tracker: Tracker) -> Step:
        return conversation.look_up(default_catalog(), booking_client(), tracker.slots,
                                    language_of(tracker),
                                    tracker.get_slot("booking_lookup_purpose") or "check")
