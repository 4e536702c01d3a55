"""What the call-back and rating conversations say from the turn alone: the offer to rate, the
questions of the call-back and comment forms, and the thanks after a comment.

They read nothing but the tracker and the wording (bot/staff/chat.py), not the centre's database,
so the Rasa process runs them itself (bot/in_process_actions.py); the actions that store a
rating, a comment or a call-back are in actions/feedback.py and actions/callbacks.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import language_of
from bot.replies import Reply
from bot.staff import chat

# what was rated, from the action the offer follows
CONTEXT_AFTER = {"action_submit_booking": "booking", "utter_goodbye": "goodbye"}
# the rating comment form's outcome (actions/feedback.py sets it)
GIVEN, SKIPPED = "given", "skipped"


class Says:
    """Mixed into an Action that sends one reply in the user's language (a mixin, not an Action
    subclass: Rasa SDK registers every Action subclass it finds)."""

    action_name: ClassVar[str]
    reply: ClassVar[Callable[[str], Reply]]

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(**type(self).reply(language_of(tracker)).as_message())
        return []


class ActionAskCallbackConsent(Says, Action):
    action_name = "action_ask_callback_consent"
    reply = staticmethod(chat.consent_question)


class ActionAskCallbackPhone(Says, Action):
    action_name = "action_ask_callback_phone"
    reply = staticmethod(chat.phone_question)


class ActionAskRatingComment(Says, Action):
    action_name = "action_ask_rating_comment"
    reply = staticmethod(chat.comment_question)


def _since_last_message(tracker: Tracker) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        events.append(event)
    return events


def _latest_service(tracker: Tracker) -> str | None:
    """The service the conversation was last about (the booking form clears its own slot)."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") in ("booking_service", "service") \
                and event.get("value"):
            return str(event["value"])
    return None


class ActionOfferRating(Action):
    def name(self) -> str:
        return "action_offer_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        context = CONTEXT_AFTER.get(tracker.latest_action_name or "", "other")
        if context == "booking" and not any(
                e.get("event") == "slot" and e.get("name") == "booking_reference" and e.get("value")
                for e in _since_last_message(tracker)):
            return []  # nothing was booked (the booking service was down): nothing to rate yet
        dispatcher.utter_message(**chat.rating_offer(language_of(tracker)).as_message())
        return [SlotSet("rating_context", context), SlotSet("rating_id", None),
                SlotSet("rating_value", None), SlotSet("rating_service", _latest_service(tracker))]


class ActionSubmitRatingComment(Action):
    def name(self) -> str:
        return "action_submit_rating_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("rating_id") is None:
            return []  # nothing was stored; the user was already told
        value = tracker.get_slot("rating_value")
        for reply in chat.after_comment(int(value) if value is not None else None,
                                        tracker.get_slot("rating_comment") == GIVEN,
                                        language_of(tracker)):
            dispatcher.utter_message(**reply.as_message())
        return [SlotSet("rating_comment", None)]
