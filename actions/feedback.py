"""政务服务"好差评": the five ratings offered after a booking, a handoff or a goodbye, an optional
comment, and after a poor rating with a comment the offer of a call back. The offer, the comment
question and the thanks read only the turn: they are in actions/prompts.py.

Ratings go to the centre's database without anything that identifies the resident; a comment is
masked and stored at once, so its text never sits in a slot.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import language_of, latest_entities, typed_text
from actions.callbacks import channel_of, extracted
from actions.prompts import GIVEN, SKIPPED
from bot.blocking import off_loop
from bot.booking.schedule import beijing_now
from bot.replies import Phrases
from bot.staff import chat, ratings
from bot.staff.database import centre_engine

logger = logging.getLogger(__name__)


class ActionRecordRating(Action):
    def name(self) -> str:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        score = chat.rating_from(latest_entities(tracker))
        if score is None:  # "rate" without a value we understood: offer the buttons again
            dispatcher.utter_message(**chat.rating_offer(language).as_message())
            return [SlotSet("rating_id", None)]
        previous = tracker.get_slot("rating_id")
        try:
            rating_id = await off_loop(
                ratings.record, centre_engine(), score, tracker.get_slot("rating_context") or "other",
                tracker.get_slot("rating_service"), channel_of(tracker), language, beijing_now(),
                int(previous) if previous is not None else None)
        except Exception:
            logger.exception("could not store a rating from %s", tracker.sender_id)
            dispatcher.utter_message(text=Phrases(language)("staffdesk.rating_down"))
            return [SlotSet("rating_id", None)]
        return [SlotSet("rating_id", rating_id), SlotSet("rating_value", score),
                SlotSet("rating_comment", None)]


class ValidateRatingCommentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_rating_comment_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        return domain_slots if tracker.get_slot("rating_id") is not None else []

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("requested_slot") != "rating_comment":
            return []
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        comment = typed_text(tracker).strip()
        if intent in chat.STOPS or not comment:
            return [SlotSet("rating_comment", SKIPPED)]
        try:
            await off_loop(ratings.add_comment, centre_engine(), int(tracker.get_slot("rating_id")),
                           comment)
        except Exception:
            logger.exception("could not store a rating comment from %s", tracker.sender_id)
            dispatcher.utter_message(text=Phrases(language_of(tracker))("staffdesk.rating_down"))
            return [SlotSet("rating_comment", SKIPPED)]
        return [SlotSet("rating_comment", GIVEN)]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        return extracted(tracker)
