"""Notices the centre left for a resident (a cancelled or moved session, a reminder) that could
not be pushed: shown when the resident next writes, before the answer to their message.

Rasa runs ``action_validate_slot_mappings`` after every user message, before it predicts the
answer, and sends the messages it returns; that makes it the one place that sees every turn on
every channel. It also keeps Rasa SDK's validation of global slots working (``ValidationAction``).
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.base import language_of
from actions.callbacks import extracted
from bot.booking.schedule import beijing_now
from bot.staff import notices
from bot.staff.database import centre_engine, off_loop

logger = logging.getLogger(__name__)
DEADLINE = 1.0  # seconds: a slow database must not hold up the answer


class ActionShowPendingNotices(ValidationAction):
    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        return extracted(tracker)  # no global slot needs checking: keep what NLU filled

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        try:
            pending = await off_loop(notices.pending_for, centre_engine(), tracker.sender_id,
                                     beijing_now(), deadline=DEADLINE)
        except Exception:
            logger.warning("could not read notices for %s; they stay for the next message",
                           tracker.sender_id, exc_info=True)
            return events
        language = language_of(tracker)
        for notice in pending:
            dispatcher.utter_message(**notices.notice_reply(notice["kind"], notice["fields"],
                                                            language).as_message())
        try:
            await off_loop(notices.mark_shown, centre_engine(), [n["id"] for n in pending],
                           beijing_now())
        except Exception:
            logger.exception("notices shown to %s stay pending", tracker.sender_id)
        return events
