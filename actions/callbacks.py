"""A call back in office hours: consent, then the phone, then the place in the queue.

The phone goes straight into the centre's database (bot/staff/callbacks.py); the conversation only
keeps it masked (contract 5). The wording and the expected wait come from bot/staff/chat.py;
the form's questions, which read only the turn, are in actions/prompts.py.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import language_of, typed_text
from bot.blocking import off_loop
from bot.booking import timetable
from bot.booking.schedule import beijing_now
from bot.dialogue import error_reply
from bot.replies import Phrases
from bot.staff import callbacks, chat, ratings
from bot.staff.database import centre_engine
from bot.staff.masking import last_turns
from bot.staff.settings import settings

logger = logging.getLogger(__name__)
DONE = ("registered", "declined", "failed")
RESET = ("callback_consent", "callback_phone", "callback_outcome", "callback_id",
         "callback_ahead", "callback_reason")


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def extracted(tracker: Tracker) -> list[EventType]:
    """The slots this turn set, kept as they are (Rasa SDK returns only what validation returns)."""
    return [SlotSet(name, value) for name, value in tracker.slots_to_validate().items()]


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        """Nothing more to ask once the request is registered, refused or failed."""
        return [] if tracker.get_slot("callback_outcome") in DONE else domain_slots

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested == "callback_consent":
            consent = chat.consent_from(_intent(tracker))
            outcome = {False: [SlotSet("callback_outcome", "declined")]}.get(consent, [])
            return [SlotSet("callback_consent", consent), *outcome]
        if requested == "callback_phone":
            if _intent(tracker) in chat.STOPS:
                return [SlotSet("callback_phone", None), SlotSet("callback_outcome", "declined")]
            return await self._register(dispatcher, tracker)
        return []

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        return extracted(tracker)  # checked while extracting: the phone never sits in a slot in clear

    async def _register(self, dispatcher: CollectingDispatcher, tracker: Tracker
                        ) -> list[EventType]:
        language = language_of(tracker)
        phone = chat.check_phone(typed_text(tracker))
        if isinstance(phone, str):
            dispatcher.utter_message(text=Phrases(language)(phone))
            return [SlotSet("callback_phone", None)]
        request = callbacks.NewCallback(
            phone=phone.e164, language=language, channel=channel_of(tracker),
            reason="rating" if tracker.get_slot("callback_reason") == "rating" else "handoff",
            context=last_turns(tracker.events, settings()["callbacks"]["last_turns"]))
        try:
            callback_id, ahead = await off_loop(_create, request, tracker.get_slot("rating_id"))
        except Exception:
            logger.exception("could not register a call-back for %s", tracker.sender_id)
            return [SlotSet("callback_phone", None), SlotSet("callback_outcome", "failed")]
        return [SlotSet("callback_phone", phone.masked), SlotSet("callback_id", callback_id),
                SlotSet("callback_ahead", ahead), SlotSet("callback_outcome", "registered")]


def _create(request: callbacks.NewCallback, rating_id: Any) -> tuple[int, int]:
    """Registers the request; one that follows a poor rating carries that rating and comment."""
    engine = centre_engine()
    if request.reason == "rating" and rating_id is not None:
        found = ratings.get(engine, int(rating_id))
        if found:
            request = dataclasses.replace(request, rating=found["rating"], comment=found["comment"])
    callback_id, ahead = callbacks.create(engine, request, beijing_now())
    if request.reason == "rating" and rating_id is not None:
        ratings.link_callback(engine, int(rating_id), callback_id)
    return callback_id, ahead


class ActionSubmitCallback(Action):
    def name(self) -> str:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        language, outcome = language_of(tracker), tracker.get_slot("callback_outcome")
        phrases = Phrases(language)
        if outcome == "registered":
            table = None
            try:
                table = await off_loop(_timetable)
            except Exception:
                logger.exception("no timetable for the expected wait of %s", tracker.sender_id)
            reply = chat.registered(int(tracker.get_slot("callback_id")),
                                    tracker.get_slot("callback_phone"),
                                    int(tracker.get_slot("callback_ahead") or 0), table,
                                    beijing_now(), language)
            dispatcher.utter_message(**reply.as_message())
        elif outcome == "failed":
            dispatcher.utter_message(text=phrases("staffdesk.callback_down"))
        elif outcome == "declined":
            dispatcher.utter_message(text=phrases("staffdesk.callback_declined"))
        else:
            dispatcher.utter_message(**error_reply(language, None).as_message())
        events = [SlotSet(slot, None) for slot in RESET]
        if tracker.get_slot("callback_reason") != "rating" and outcome != "failed":
            # the handoff is done: ask how it went (after a poor rating, not again)
            dispatcher.utter_message(**chat.rating_offer(language).as_message())
            events += [SlotSet("rating_context", "handoff"), SlotSet("rating_id", None)]
        return events


def _timetable() -> timetable.Timetable:
    with centre_engine().connect() as connection:
        return timetable.load(connection)
