"""What every custom action shares: reading the turn, sending the outcome, failing honestly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.catalog import Catalog, default_catalog
from bot.dialogue import Mention, Outcome, Turn, error_reply
from bot.language import SCRIPT, reply_language
from bot.nlu.reading import NEGATED, NEGATED_TEXT, QUESTION, SHIFT, UNKNOWN_WORDS

logger = logging.getLogger(__name__)


def user_messages(tracker: Tracker) -> list[dict[str, Any]]:
    """The user's messages, newest first."""
    return [event for event in reversed(tracker.events) if event.get("event") == "user"]


def language_of(tracker: Tracker) -> str:
    return reply_language(user_messages(tracker))


def typed_text(tracker: Tracker) -> str:
    """What the user typed last; "" for a button payload (/intent{...})."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def latest_entities(tracker: Tracker) -> dict[str, Any]:
    """Entity type -> value of the latest message (the first mention of each type that the
    message does not negate)."""
    entities: dict[str, Any] = {}
    for mention in _mentions(tracker):
        if not mention.negated:
            entities.setdefault(mention.type, mention.value)
    return entities


def _mentions(tracker: Tracker) -> list[Mention]:
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    mentions = []
    for entity in latest.get("entities") or []:
        start, end = entity.get("start"), entity.get("end")
        words = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        mentions.append(Mention(entity["entity"], entity.get("value"), words,
                                entity.get("role") == NEGATED))
    return mentions


def turn_of(tracker: Tracker) -> Turn:
    latest = tracker.latest_message or {}
    mentions = _mentions(tracker)
    entities: dict[str, list[Any]] = {}
    for mention in mentions:
        if not mention.negated:
            entities.setdefault(mention.type, []).append(mention.value)
    intent = latest.get("intent") or {}
    ranking = tuple((i.get("name"), i.get("confidence") or 0.0)
                    for i in latest.get("intent_ranking") or [] if i.get("name"))
    return Turn(text=typed_text(tracker), entities=entities, slots=dict(tracker.slots),
                language=language_of(tracker), intent=intent.get("name") or "",
                confidence=intent.get("confidence") or 0.0, ranking=ranking,
                mentions=tuple(mentions), question=bool(latest.get(QUESTION)),
                shift=bool(latest.get(SHIFT)),
                unknown_words=tuple(latest.get(UNKNOWN_WORDS) or ()),
                negated_text=tuple(latest.get(NEGATED_TEXT) or ()),
                recorded_script=latest.get(SCRIPT, ""))


class AnswerAction:
    """Mixed into an Action whose answer comes from a bot.dialogue function.

    A mixin rather than an Action subclass, because rasa_sdk registers every Action subclass it
    finds, and this one has no name of its own.

    Whatever goes wrong, the user gets an honest message with a retry and a human route, never
    silence; the error goes to the log with the conversation id.
    """

    action_name: ClassVar[str]
    decide: ClassVar[Callable[[Catalog, Turn], Outcome]]

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            outcome = type(self).decide(default_catalog(), turn_of(tracker))
        except Exception:
            logger.exception("%s failed in conversation %s", self.name(), tracker.sender_id)
            latest = (tracker.latest_message or {}).get("text")
            dispatcher.utter_message(**error_reply(language_of(tracker), latest).as_message())
            return []
        if outcome.reply:
            dispatcher.utter_message(**outcome.reply.as_message())
        if outcome.response:
            dispatcher.utter_message(response=outcome.response)
        return [SlotSet(name, value) for name, value in outcome.slots.items()]
