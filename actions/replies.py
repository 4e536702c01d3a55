"""The "more" button: the next screen of a long answer (bot/replies/__init__.py).

The pages behind the button travel with the bot message that showed it (its ``more`` metadata);
this action finds that message in the conversation and sends the next page. Typing "更多" without
pressing the button continues the latest answer. Nothing found: say so, never go silent.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import language_of, latest_entities
from bot.dialogue import error_reply
from bot.replies import MORE_ENTITY, MORE_METADATA, Page, Phrases, page_message, stored_pages

logger = logging.getLogger(__name__)


def next_pages(events: list[dict[str, Any]], more_id: str | None) -> list[Page] | None:
    """The pages to show: those behind ``more_id``, or behind the latest answer if it has any."""
    bot_events = [e for e in reversed(events) if e.get("event") == "bot"]
    if more_id:
        return stored_pages(bot_events, more_id)
    latest = (bot_events[0].get("metadata") or {}).get(MORE_METADATA) if bot_events else None
    return stored_pages(bot_events[:1], latest["id"]) if latest else None


class ActionShowMore(Action):
    def name(self) -> str:
        return "action_show_more"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            pages = next_pages(tracker.events, latest_entities(tracker).get(MORE_ENTITY))
            if pages:
                dispatcher.utter_message(**page_message(pages))
            else:
                dispatcher.utter_message(text=Phrases(language_of(tracker))("more_expired"))
        except Exception:
            logger.exception("action_show_more failed in conversation %s", tracker.sender_id)
            dispatcher.utter_message(**error_reply(language_of(tracker), None).as_message())
        return []
